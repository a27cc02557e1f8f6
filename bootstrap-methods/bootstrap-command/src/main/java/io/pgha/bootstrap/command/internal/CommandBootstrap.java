package io.pgha.bootstrap.command.internal;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.ShellWords;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapRequest;
import io.pgha.spi.bootstrap.BootstrapResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One custom bootstrap command, run as the database user:
 * <pre>
 *   &lt;command words&gt; --scope=&lt;scope&gt; --datadir=&lt;dir&gt; --&lt;key&gt;=&lt;value&gt;...
 * </pre>
 * ({@code --scope} and {@code --datadir} left out with {@code no_params}). Exit status 0 is success, with the
 * section's {@code recovery_conf} as the recovery settings to start with.
 */
public final class CommandBootstrap implements BootstrapMethod {
    private static final Logger LOG = LoggerFactory.getLogger(CommandBootstrap.class);
    /** Keys the engine interprets, never passed to the command. */
    static final Set<String> RESERVED = Set.of("command", "no_params", "keep_existing_recovery_conf", "recovery_conf",
            "scope", "datadir");

    private final Settings settings;
    private final CommandRunner commands;

    public CommandBootstrap(Settings settings, CommandRunner commands) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.commands = Objects.requireNonNull(commands, "commands is null");
    }

    /** What {@code bootstrap.<method>} says. */
    public record Settings(String method, List<String> command, boolean noParams, boolean keepExistingRecoveryConf,
            Map<String, String> recoveryConf, Map<String, String> extra) {
        public Settings {
            command = List.copyOf(command);
            recoveryConf = Collections.unmodifiableMap(new LinkedHashMap<>(recoveryConf));
            extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        }

        public static Settings read(ConfigSection s, List<ConfigProblem> problems) {
            String path = s.path();
            String method = path.substring(path.lastIndexOf('.') + 1);
            List<String> words = List.of();
            Optional<String> command = s.string("command", problems);
            if (command.isEmpty() || command.get().isBlank()) {
                problems.add(ConfigProblem.error(s.pathOf("command"), "is missing: expected the program that creates"
                        + " the data directory"));
            } else {
                try {
                    words = ShellWords.split(command.get());
                } catch (IllegalArgumentException e) {
                    problems.add(ConfigProblem.error(s.pathOf("command"), e.getMessage()));
                }
            }
            boolean noParams = s.bool("no_params", false, problems);
            boolean keep = s.bool("keep_existing_recovery_conf", false, problems);
            Map<String, String> recovery = new LinkedHashMap<>();
            ConfigSection rc = s.section("recovery_conf", problems);
            for (Map.Entry<String, Object> e : rc.asMap().entrySet()) {
                Object v = e.getValue();
                if (v instanceof Map || v instanceof List || v == null) {
                    problems.add(ConfigProblem.error(rc.pathOf(e.getKey()), "got " + ConfigSection.describe(v)
                            + ": expected a PostgreSQL parameter value"));
                } else {
                    recovery.put(e.getKey(), v instanceof Boolean b ? (b ? "on" : "off") : String.valueOf(v));
                }
            }
            Map<String, String> extra = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : s.asMap().entrySet()) {
                if (RESERVED.contains(e.getKey())) {
                    continue;
                }
                Object v = e.getValue();
                if (v instanceof Map || v instanceof List) {
                    problems.add(ConfigProblem.error(s.pathOf(e.getKey()), "got " + ConfigSection.describe(v)
                            + ": expected a single value, passed as --" + e.getKey() + "=<value>"));
                } else {
                    extra.put(e.getKey(), v instanceof Boolean b ? (b ? "True" : "False") : String.valueOf(v));
                }
            }
            return new Settings(method, words, noParams, keep, recovery, extra);
        }
    }

    /** The command line for {@code request}. */
    public List<String> commandLine(BootstrapRequest request) {
        List<String> argv = new ArrayList<>(settings.command());
        if (!settings.noParams()) {
            argv.add("--scope=" + request.scope());
            argv.add("--datadir=" + request.dataDirectory());
        }
        settings.extra().forEach((k, v) -> argv.add("--" + k + "=" + v));
        return argv;
    }

    @Override
    public BootstrapResult bootstrap(BootstrapRequest request) {
        List<String> argv = commandLine(request);
        LOG.info("running custom bootstrap script of method {}: {}", settings.method(), argv.get(0));
        CommandResult r;
        try {
            r = commands.run(new Command(argv, request.environment(), Optional.empty(), request.timeout(), true));
        } catch (PghaException e) {
            return new BootstrapResult.Failed(settings.method() + " could not run: " + e.getMessage());
        }
        if (!r.succeeded()) {
            return new BootstrapResult.Failed(argv.get(0) + (r.timedOut() ? " timed out after "
                    + request.timeout().toSeconds() + " s" : " exited with " + r.exitCode()) + ": " + r.output().strip());
        }
        return new BootstrapResult.Created(settings.recoveryConf(), settings.keepExistingRecoveryConf());
    }
}
