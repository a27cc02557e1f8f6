package io.pgha.engine.methods;

import io.pgha.engine.config.PostgresqlConfig;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.ProgramOptions;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which provider serves each name in {@code postgresql.create_replica_methods}, with Patroni's rules for
 * command-style methods:
 * <ol>
 * <li>a method whose {@code postgresql.<method>} section has a {@code command} is run by the generic
 * {@value #COMMAND_PROVIDER} method (so an existing {@code pgbackrest: {command: ...}} entry keeps its meaning even
 * though a first-class {@code pgbackrest} plugin exists);
 * <li>otherwise a provider of that name serves it ({@code basebackup}, {@code pgbackrest}, {@code rsync}, a
 * third-party plugin);
 * <li>otherwise a method that has a section is run by the {@value #COMMAND_PROVIDER} method, as Patroni runs a
 * program named after the method;
 * <li>otherwise nothing can run it: it is reported by validation and skipped at run time, and the list goes on.
 * </ol>
 * Immutable and thread-safe.
 */
public final class ReplicaMethodCatalog {
    /** The name of the generic command-running replica method ({@code replica-command} plugin). */
    public static final String COMMAND_PROVIDER = "command";
    /** Patroni's built-in method, used when the list is empty. */
    public static final String BASEBACKUP = "basebackup";

    private final PluginRegistry plugins;

    public ReplicaMethodCatalog(PluginRegistry plugins) {
        this.plugins = Objects.requireNonNull(plugins, "plugins is null");
    }

    /** One listed method. */
    public sealed interface Entry {
        /** The name as listed. */
        String method();
    }

    /** A listed method and the provider that runs it, with the options it gets. */
    public record Served(String method, LoadedProvider<ReplicaMethodProvider> provider, ConfigSection options)
            implements Entry {
        public Served {
            Objects.requireNonNull(method, "method is null");
            Objects.requireNonNull(provider, "provider is null");
            Objects.requireNonNull(options, "options is null");
        }
    }

    /** A listed method nothing can run, and why, with what to install. */
    public record Unserved(String method, String reason) implements Entry {
        public Unserved {
            Objects.requireNonNull(method, "method is null");
            Objects.requireNonNull(reason, "reason is null");
        }
    }

    /**
     * The options section of {@code method} as configured: {@code postgresql.basebackup} may be Patroni's list
     * form; any other method's section is a mapping. Empty when the method has no section.
     *
     * @param tree the whole configuration document, for the list form of {@code basebackup}
     */
    public static Optional<ConfigSection> section(PostgresqlConfig config, Map<String, Object> tree, String method) {
        if (method.equals(BASEBACKUP)) {
            Object pg = tree.get("postgresql");
            Object raw = pg instanceof Map<?, ?> m ? m.get(BASEBACKUP) : null;
            return raw == null ? Optional.empty() : Optional.of(ProgramOptions.section("postgresql." + BASEBACKUP, raw));
        }
        return Optional.ofNullable(config.replicaMethodSections().get(method));
    }

    /** The configured list, with Patroni's default {@code [basebackup]} when empty. */
    public static List<String> listed(PostgresqlConfig config) {
        return config.createReplicaMethods().isEmpty() ? List.of(BASEBACKUP) : config.createReplicaMethods();
    }

    /** Resolves {@code methods} in order; {@code sections} gives a method's section, if it has one. */
    public List<Entry> resolve(List<String> methods, java.util.function.Function<String, Optional<ConfigSection>> sections) {
        List<Entry> out = new ArrayList<>();
        for (String method : methods) {
            out.add(resolve(method, sections.apply(method)));
        }
        return List.copyOf(out);
    }

    private Entry resolve(String method, Optional<ConfigSection> section) {
        ConfigSection options = section.orElseGet(() -> ConfigSection.empty("postgresql." + method));
        boolean hasCommand = section.map(s -> s.has("command")).orElse(false);
        Optional<LoadedProvider<ReplicaMethodProvider>> own = plugins.find(PluginKind.REPLICA_METHOD, method);
        if (!hasCommand && own.isPresent()) {
            return new Served(method, own.get(), options);
        }
        if (hasCommand || section.isPresent()) {
            Optional<LoadedProvider<ReplicaMethodProvider>> command = plugins.find(PluginKind.REPLICA_METHOD,
                    COMMAND_PROVIDER);
            if (command.isPresent()) {
                return new Served(method, command.get(), options);
            }
            return new Unserved(method, "postgresql." + method + " is a command-style method, but no replica method '"
                    + COMMAND_PROVIDER + "' is installed; install the "
                    + PluginKind.REPLICA_METHOD.suggestedPlugin(COMMAND_PROVIDER) + " plugin" + where());
        }
        List<String> available = plugins.names(PluginKind.REPLICA_METHOD).stream()
                .filter(n -> !n.equals(COMMAND_PROVIDER)).toList();
        return new Unserved(method, "no plugin provides replica method '" + method + "' and postgresql." + method
                + " has no command to run; available: " + (available.isEmpty() ? "none" : String.join(", ", available))
                + "; install the " + PluginKind.REPLICA_METHOD.suggestedPlugin(method) + " plugin" + where()
                + ", or give postgresql." + method + " a command");
    }

    private String where() {
        return plugins.pluginsDir().map(d -> " into " + d + "/").orElse("");
    }

    /**
     * Every problem with the configured methods, at {@code listPath} (the list) or below {@code postgresql.<method>}:
     * a method nothing can run is a warning (it is skipped and the list goes on; a member that cannot create a
     * replica can still bootstrap a cluster or run as a primary), and so is a list none of whose methods can run;
     * each served method's options are checked by its provider.
     */
    public List<ConfigProblem> check(String listPath, List<Entry> entries) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (Entry e : entries) {
            if (e instanceof Unserved u) {
                problems.add(ConfigProblem.warning(listPath, "method " + u.method() + " will be skipped: "
                        + u.reason()));
            } else if (e instanceof Served s) {
                for (ConfigProblem p : s.provider().call(p -> p.validate(s.options()))) {
                    problems.add(p.path().startsWith(s.options().path()) ? p : p.under(s.options().path()));
                }
            }
        }
        if (!entries.isEmpty() && entries.stream().allMatch(Unserved.class::isInstance)) {
            problems.add(ConfigProblem.warning(listPath, "none of the methods " + entries.stream().map(Entry::method)
                    .toList() + " can run, so this member cannot create a replica"));
        }
        return problems;
    }
}
