package io.pgha.engine.methods;

import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks of the configured methods against the installed plugins, for {@code pgha validate} and agent start-up:
 * which provider serves each replica method and whether its options are right.
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
        return problems;
    }
}
