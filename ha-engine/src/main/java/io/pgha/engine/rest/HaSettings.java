package io.pgha.engine.rest;

import java.time.Duration;
import java.util.Objects;

/**
 * The parts of the effective (dynamic ⊕ local) configuration that the REST API's answers depend on, as the HA loop
 * last computed them.
 *
 * @param paused maintenance mode ({@code pause: true})
 * @param standbyCluster whether a {@code standby_cluster} section with host, port or restore_command is in effect
 * @param synchronousMode {@code synchronous_mode}
 * @param maximumLagOnFailover {@code maximum_lag_on_failover} in bytes (default for {@code /readiness?lag=})
 * @param ttl the leader-lock TTL; also how long a cached DCS read is trusted
 */
public record HaSettings(boolean paused, boolean standbyCluster, SyncMode synchronousMode, long maximumLagOnFailover,
        Duration ttl) {

    /** Patroni's defaults: not paused, no standby cluster, asynchronous, 1 MiB, 30 s. */
    public static final HaSettings DEFAULTS = new HaSettings(false, false, SyncMode.OFF, 1_048_576,
            Duration.ofSeconds(30));

    /** {@code synchronous_mode}: off, on, or quorum commit (Patroni 4.0). */
    public enum SyncMode {
        OFF, ON, QUORUM
    }

    public HaSettings {
        Objects.requireNonNull(synchronousMode, "synchronousMode is null");
        Objects.requireNonNull(ttl, "ttl is null");
    }

    /** Patroni's {@code is_synchronous_mode}: on or quorum, and not a standby cluster. */
    public boolean synchronous() {
        return synchronousMode != SyncMode.OFF && !standbyCluster;
    }

    /** Patroni's {@code is_quorum_commit_mode}. */
    public boolean quorumCommit() {
        return synchronous() && synchronousMode == SyncMode.QUORUM;
    }

    public HaSettings withPaused(boolean p) {
        return new HaSettings(p, standbyCluster, synchronousMode, maximumLagOnFailover, ttl);
    }

    public HaSettings withStandbyCluster(boolean s) {
        return new HaSettings(paused, s, synchronousMode, maximumLagOnFailover, ttl);
    }

    public HaSettings withSynchronousMode(SyncMode m) {
        return new HaSettings(paused, standbyCluster, m, maximumLagOnFailover, ttl);
    }
}
