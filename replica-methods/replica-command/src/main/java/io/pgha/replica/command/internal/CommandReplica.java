package io.pgha.replica.command.internal;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.ShellWords;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
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
 * One command-style replica method. The command line is Patroni's:
 * <pre>
 *   &lt;command words&gt; --&lt;key&gt;=&lt;value&gt;... --scope=&lt;scope&gt; --role=replica --datadir=&lt;dir&gt; --connstring=&lt;dsn&gt;
 * </pre>
 * where the keys are the section's own, in order, except {@code command} (flags such as {@code keep_data} are passed
 * too, as Patroni does, with Python's {@code True}/{@code False}: scripts such as wale_restore read
 * {@code --no_master}). With {@code no_params} the last four and the flags are left out. The connection string is
 * empty when there is no member to copy from. It runs as the database user with the request's environment
 * ({@code PGPASSFILE}); exit status 0 is success.
 */
public final class CommandReplica implements ReplicaMethod {
    private static final Logger LOG = LoggerFactory.getLogger(CommandReplica.class);
    /** Keys the method interprets; with {@code no_params} they are not passed. */
    static final Set<String> FLAGS = Set.of("no_params", "keep_data", "no_leader", "no_master");
    /** Arguments the method adds itself; a section key of the same name is replaced by them. */
    static final List<String> OWN_ARGUMENTS = List.of("scope", "role", "datadir", "connstring");

    private final Settings settings;
    private final CommandRunner commands;

    public CommandReplica(Settings settings, CommandRunner commands) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.commands = Objects.requireNonNull(commands, "commands is null");
    }

    /**
     * What the section says.
     *
     * @param method the method name (the section's last path segment)
     * @param command the command words
     * @param keys the other keys, in order, as they are passed
     */
    public record Settings(String method, List<String> command, Map<String, Object> keys, boolean noParams,
            boolean keepData, boolean noLeader) {
        public Settings {
            command = List.copyOf(command);
            keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        }

        /** Reads and checks a method's section; problems carry the section's paths. */
        public static Settings read(ConfigSection options, List<ConfigProblem> problems) {
            String path = options.path();
            String method = path.substring(path.lastIndexOf('.') + 1);
            String commandLine = options.has("command") ? options.string("command", problems).orElse("") : method;
            List<String> words = List.of();
            if (commandLine.isBlank()) {
                problems.add(ConfigProblem.error(options.pathOf("command"), "is empty: expected the program to run"));
            } else {
                try {
                    words = ShellWords.split(commandLine);
                } catch (IllegalArgumentException e) {
                    problems.add(ConfigProblem.error(options.pathOf("command"), e.getMessage()));
                }
            }
            boolean noParams = options.bool("no_params", false, problems);
            boolean keepData = options.bool("keep_data", false, problems);
            boolean noLeader = options.bool("no_leader", false, problems) || options.bool("no_master", false, problems);
            Map<String, Object> keys = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : options.asMap().entrySet()) {
                String key = e.getKey();
                Object value = e.getValue();
                if (key.equals("command")) {
                    continue;
                }
                if (value instanceof Map || value instanceof List) {
                    problems.add(ConfigProblem.error(options.pathOf(key), "got " + ConfigSection.describe(value)
                            + ": expected a single value, passed as --" + key + "=<value>"));
                    continue;
                }
                if (OWN_ARGUMENTS.contains(key) && !noParams) {
                    problems.add(ConfigProblem.warning(options.pathOf(key), "is set by the agent (--" + key
                            + "); the configured value is not passed"));
                    continue;
                }
                if (noParams && FLAGS.contains(key)) {
                    continue;
                }
                keys.put(key, value);
            }
            return new Settings(method, words, keys, noParams, keepData, noLeader);
        }
    }

    @Override
    public boolean runsWithoutLeader() {
        return settings.noLeader();
    }

    @Override
    public boolean keepsExistingData() {
        return settings.keepData();
    }

    /** The full command line for {@code request}. */
    public List<String> commandLine(ReplicaRequest request) {
        List<String> argv = new ArrayList<>(settings.command());
        settings.keys().forEach((k, v) -> argv.add("--" + k + "=" + pythonText(v)));
        if (!settings.noParams()) {
            argv.add("--scope=" + request.scope());
            argv.add("--role=" + request.role());
            argv.add("--datadir=" + request.dataDirectory());
            argv.add("--connstring=" + request.sourceConnectionString().orElse(""));
        }
        return argv;
    }

    @Override
    public ReplicaResult createReplica(ReplicaRequest request) {
        if (!settings.noLeader() && request.sourceConnectionString().filter(c -> !c.isBlank()).isEmpty()) {
            // the engine never asks this; a program given an empty --connstring would copy from libpq's defaults
            return ReplicaResult.failed(settings.method() + " needs a running member to copy from (no_leader is off),"
                    + " and there is none", true);
        }
        List<String> argv = commandLine(request);
        LOG.info("running replica method {}: {}", settings.method(), argv.get(0));
        CommandResult r;
        try {
            r = commands.run(new Command(argv, request.environment(), Optional.empty(), request.timeout(), true));
        } catch (PghaException e) {
            return ReplicaResult.failed(settings.method() + " could not run: " + e.getMessage(), false);
        }
        if (r.succeeded()) {
            return ReplicaResult.created();
        }
        String output = r.output().strip();
        return ReplicaResult.failed(argv.get(0) + (r.timedOut() ? " timed out after " + request.timeout().toSeconds()
                + " s" : " exited with " + r.exitCode()) + (output.isEmpty() ? "" : ": " + output), true);
    }

    /** How Patroni (Python's {@code str}) renders a value on the command line. */
    static String pythonText(Object v) {
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return v == null ? "None" : String.valueOf(v);
    }
}
