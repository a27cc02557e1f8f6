package io.pgha.bootstrap.initdb.internal;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.PghaException;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapRequest;
import io.pgha.spi.bootstrap.BootstrapResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code initdb --pgdata=<dir> <options> --username=<superuser> [--pwfile=<file>]} as the database user. The
 * engine's own arguments come last, so they win over anything the options might repeat.
 */
public final class InitdbBootstrap implements BootstrapMethod {
    private static final Logger LOG = LoggerFactory.getLogger(InitdbBootstrap.class);

    private final List<String> options;
    private final CommandRunner commands;

    public InitdbBootstrap(List<String> options, CommandRunner commands) {
        this.options = List.copyOf(options);
        this.commands = Objects.requireNonNull(commands, "commands is null");
    }

    /** The command line for {@code request}. */
    public List<String> commandLine(BootstrapRequest request) {
        List<String> argv = new ArrayList<>();
        argv.add(request.binDirectory().resolve("initdb").toString());
        argv.add("--pgdata=" + request.dataDirectory());
        argv.addAll(options);
        argv.add("--username=" + request.superuser());
        request.superuserPasswordFile().ifPresent(f -> argv.add("--pwfile=" + f));
        return argv;
    }

    @Override
    public BootstrapResult bootstrap(BootstrapRequest request) {
        List<String> argv = commandLine(request);
        LOG.info("initializing a new cluster with {}", String.join(" ", argv));
        CommandResult r;
        try {
            r = commands.run(new Command(argv, request.environment(), Optional.empty(), request.timeout(), true));
        } catch (PghaException e) {
            return new BootstrapResult.Failed("initdb could not run: " + e.getMessage());
        }
        if (r.succeeded()) {
            return new BootstrapResult.Created(Map.of(), false);
        }
        String why = r.timedOut() ? "timed out after " + request.timeout() : "exited with " + r.exitCode();
        return new BootstrapResult.Failed("initdb " + why + ": " + r.output().trim());
    }
}
