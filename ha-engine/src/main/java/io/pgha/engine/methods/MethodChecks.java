package io.pgha.engine.methods;

import io.pgha.engine.callbacks.LifecycleConfig;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.ShellWords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks of the configured methods against the installed plugins, for {@code pgha validate} and agent start-up:
 * which provider serves each replica method and whether its options are right; the lifecycle listeners and the
 * callback commands.
 */
public final class MethodChecks {
    private MethodChecks() {
    }

    /** Every problem found; paths are those of the configuration document. */
    public static List<ConfigProblem> check(PghaConfig config, Map<String, Object> tree, PluginRegistry plugins) {
        List<ConfigProblem> problems = new ArrayList<>();
        ReplicaMethodCatalog replicas = new ReplicaMethodCatalog(plugins);
        problems.addAll(replicas.check("postgresql.create_replica_methods", replicas.resolve(
                ReplicaMethodCatalog.listed(config.postgresql()),
                m -> ReplicaMethodCatalog.section(config.postgresql(), tree, m))));
        problems.addAll(new BootstrapMethodCatalog(plugins).check(config.bootstrap(), tree));
        problems.addAll(lifecycle(config, tree, plugins));
        return problems;
    }

    /** The {@code lifecycle} section, its listeners against the installed plugins, and the callback commands. */
    private static List<ConfigProblem> lifecycle(PghaConfig config, Map<String, Object> tree, PluginRegistry plugins) {
        List<ConfigProblem> problems = new ArrayList<>();
        LifecycleConfig lifecycle = LifecycleConfig.read(tree, problems);
        for (String name : lifecycle.listeners()) {
            var provider = plugins.find(PluginKind.LIFECYCLE_LISTENER, name);
            if (provider.isEmpty()) {
                problems.add(ConfigProblem.error("lifecycle.listeners", "no lifecycle listener '" + name
                        + "' is installed; available: " + String.join(", ", plugins.names(PluginKind.LIFECYCLE_LISTENER))
                        + "; install the " + PluginKind.LIFECYCLE_LISTENER.suggestedPlugin(name) + " plugin"));
                continue;
            }
            ConfigSection section = lifecycle.section(name);
            for (ConfigProblem p : provider.get().call(p -> p.validate(section))) {
                problems.add(p.path().startsWith(section.path()) ? p : p.under(section.path()));
            }
        }
        Map<String, String> commands = new java.util.LinkedHashMap<>();
        config.postgresql().callbacks().forEach((event, command) -> commands.put("postgresql.callbacks." + event, command));
        config.postgresql().prePromote().ifPresent(c -> commands.put("postgresql.pre_promote", c));
        config.postgresql().beforeStop().ifPresent(c -> commands.put("postgresql.before_stop", c));
        commands.forEach((path, command) -> {
            try {
                ShellWords.split(command);
            } catch (IllegalArgumentException e) {
                problems.add(ConfigProblem.error(path, e.getMessage()));
            }
        });
        return problems;
    }
}
