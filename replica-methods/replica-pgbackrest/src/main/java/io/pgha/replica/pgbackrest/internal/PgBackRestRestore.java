package io.pgha.replica.pgbackrest.internal;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.ProgramOptions;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pgbackrest --stanza=<s> [--config=<f>] --pg1-path=<dir> --type=standby [--delta] <options> restore}, run as
 * the database user. Success means exit status 0 and a {@code restore_command} in the restored
 * {@code postgresql.auto.conf}: without it the copy could not fetch the WAL that makes it consistent.
 */
public final class PgBackRestRestore implements ReplicaMethod {
    private static final Logger LOG = LoggerFactory.getLogger(PgBackRestRestore.class);
    /** Keys this method interprets itself. */
    static final Set<String> OWN_KEYS = Set.of("stanza", "config", "delta", "keep_data", "program");
    /** Patroni's command-method flags, meaningless here. */
    static final Set<String> IGNORED_KEYS = Set.of("no_params", "no_leader", "no_master");
    /** pgBackRest options the method sets itself. */
    static final Set<String> FORBIDDEN = Set.of("pg1-path", "type", "stanza", "config", "delta");

    private final Settings settings;
    private final CommandRunner commands;

    public PgBackRestRestore(Settings settings, CommandRunner commands) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.commands = Objects.requireNonNull(commands, "commands is null");
    }

    /** What {@code postgresql.pgbackrest} says. */
    public record Settings(String program, String stanza, Optional<String> config, boolean delta,
            List<String> options) {
        public Settings {
            Objects.requireNonNull(program, "program is null");
            Objects.requireNonNull(stanza, "stanza is null");
            Objects.requireNonNull(config, "config is null");
            options = List.copyOf(options);
        }

        public static Settings read(ConfigSection s, List<ConfigProblem> problems) {
            String stanza = s.requiredString("stanza", problems);
            Optional<String> config = s.string("config", problems);
            String program = s.string("program", "pgbackrest", problems);
            boolean delta = s.bool("delta", false, problems) || s.bool("keep_data", false, problems);
            Map<String, Object> rest = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : s.asMap().entrySet()) {
                if (IGNORED_KEYS.contains(e.getKey())) {
                    problems.add(ConfigProblem.warning(s.pathOf(e.getKey()), "is not used by the pgbackrest method: it"
                            + " always runs without a leader and passes its options itself"));
                } else if (e.getKey().equals("command")) {
                    problems.add(ConfigProblem.error(s.pathOf("command"), "a section with a command is a command-style"
                            + " method, run by the generic command method, not by the pgbackrest plugin"));
                } else if (!OWN_KEYS.contains(e.getKey())) {
                    rest.put(e.getKey(), e.getValue());
                }
            }
            List<String> options = ProgramOptions.arguments(new ConfigSection(s.path(), rest), FORBIDDEN, problems);
            return new Settings(program, stanza == null ? "" : stanza, config, delta, options);
        }
    }

    @Override
    public boolean runsWithoutLeader() {
        return true;
    }

    @Override
    public boolean keepsExistingData() {
        return settings.delta();
    }

    /** The command line for {@code request}. */
    public List<String> commandLine(ReplicaRequest request) {
        List<String> argv = new ArrayList<>();
        argv.add(settings.program());
        argv.add("--stanza=" + settings.stanza());
        settings.config().ifPresent(c -> argv.add("--config=" + c));
        argv.add("--pg1-path=" + request.dataDirectory());
        argv.add("--type=standby");
        if (settings.delta()) {
            argv.add("--delta");
        }
        argv.addAll(settings.options());
        argv.add("restore");
        return argv;
    }

    @Override
    public ReplicaResult createReplica(ReplicaRequest request) {
        List<String> argv = commandLine(request);
        LOG.info("restoring stanza {} from the pgBackRest repository{}", settings.stanza(),
                settings.delta() ? " (delta, on the existing files)" : "");
        CommandResult r;
        try {
            r = commands.run(new Command(argv, request.environment(), Optional.empty(), request.timeout(), true));
        } catch (PghaException e) {
            return ReplicaResult.failed("pgbackrest could not run: " + e.getMessage(), false);
        }
        if (!r.succeeded()) {
            return ReplicaResult.failed("pgbackrest restore " + (r.timedOut() ? "timed out after "
                    + request.timeout().toSeconds() + " s" : "exited with " + r.exitCode()) + ": " + r.output().strip(),
                    true);
        }
        if (!restoreCommandConfigured(request.dataDirectory())) {
            return ReplicaResult.failed("pgbackrest restore left no restore_command in postgresql.auto.conf, so the copy"
                    + " could not fetch the WAL it needs", false);
        }
        return ReplicaResult.created();
    }

    private static boolean restoreCommandConfigured(Path dataDirectory) {
        Path auto = dataDirectory.resolve("postgresql.auto.conf");
        try {
            return Files.isRegularFile(auto) && Files.readAllLines(auto, StandardCharsets.UTF_8).stream()
                    .map(String::strip).anyMatch(l -> l.startsWith("restore_command"));
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", auto, e.toString());
            return false;
        }
    }
}
