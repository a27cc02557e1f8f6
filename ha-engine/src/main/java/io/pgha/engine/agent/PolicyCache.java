package io.pgha.engine.agent;

import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.ha.HaPolicy;
import io.pgha.spi.dcs.ClusterConfig;
import io.pgha.spi.dcs.ClusterState;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The HA policy of a cycle, built again only when one of its inputs changed: the configuration file in force, its
 * generation, and the DCS {@code config} key (its version). Parsing and checking the DCS configuration every cycle
 * cost an idle agent more CPU than the rest of its decisions; the key's version changes with every write to it, so
 * nothing written is missed.
 *
 * <p>Used by the HA loop's thread only.
 */
final class PolicyCache implements Function<ClusterState, HaPolicy> {
    private final Supplier<PghaConfig> file;
    private final Supplier<Long> generation;
    private final Function<ClusterState, HaPolicy> build;
    private Inputs last;
    private HaPolicy policy;

    /** What a policy is built from; {@code config} is the DCS key's version and value, empty when there is none. */
    private record Inputs(PghaConfig file, long generation, Optional<ClusterConfig> config) {
    }

    PolicyCache(Supplier<PghaConfig> file, Supplier<Long> generation, Function<ClusterState, HaPolicy> build) {
        this.file = file;
        this.generation = generation;
        this.build = build;
    }

    @Override
    public HaPolicy apply(ClusterState cluster) {
        Inputs now = new Inputs(file.get(), generation.get(), cluster.config());
        if (policy == null || !sameInputs(now, last)) {
            policy = build.apply(cluster);
            last = now;
        }
        return policy;
    }

    /** The same file object, generation and key version: ClusterConfig's data need not be compared. */
    private static boolean sameInputs(Inputs a, Inputs b) {
        return a.file() == b.file() && a.generation() == b.generation()
                && a.config().map(ClusterConfig::version).equals(b.config().map(ClusterConfig::version));
    }
}
