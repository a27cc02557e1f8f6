package io.pgha.engine.ha;

import java.time.Duration;
import java.util.Objects;

/**
 * Synchronous replication as the DCS {@code config} key asks for it.
 *
 * @param enabled {@code synchronous_mode: on}
 * @param strict {@code synchronous_mode_strict}: commits never proceed without a synchronous standby
 * @param nodeCount {@code synchronous_node_count}: standbys each commit waits for
 * @param maximumLagOnSyncnode bytes a standby may trail the primary and still be chosen (-1: any)
 * @param primaryStopTimeout {@code primary_stop_timeout}: how long a clean stop of the primary may take in synchronous
 *        mode before it is cut short ({@link Duration#ZERO}: the agent's ordinary stop budget applies)
 * @param quorum {@code synchronous_mode: quorum}: each commit waits for {@code nodeCount} of all eligible standbys
 *        ({@code ANY n (...)}) instead of for named ones
 */
public record SyncPolicy(boolean enabled, boolean strict, int nodeCount, long maximumLagOnSyncnode,
        Duration primaryStopTimeout, boolean quorum) {
    /** Asynchronous replication. */
    public static final SyncPolicy OFF = new SyncPolicy(false, false, 1, -1);

    public SyncPolicy {
        if (nodeCount < 1) {
            throw new IllegalArgumentException("nodeCount must be at least 1, was " + nodeCount);
        }
        Objects.requireNonNull(primaryStopTimeout, "primaryStopTimeout is null");
        if (primaryStopTimeout.isNegative()) {
            throw new IllegalArgumentException("primaryStopTimeout must not be negative, was " + primaryStopTimeout);
        }
        if (quorum && !enabled) {
            throw new IllegalArgumentException("quorum commit is a synchronous mode: enabled must be true");
        }
    }

    /** Priority-based ({@code synchronous_mode: on}). */
    public SyncPolicy(boolean enabled, boolean strict, int nodeCount, long maximumLagOnSyncnode,
            Duration primaryStopTimeout) {
        this(enabled, strict, nodeCount, maximumLagOnSyncnode, primaryStopTimeout, false);
    }

    /** Without {@code primary_stop_timeout}. */
    public SyncPolicy(boolean enabled, boolean strict, int nodeCount, long maximumLagOnSyncnode) {
        this(enabled, strict, nodeCount, maximumLagOnSyncnode, Duration.ZERO, false);
    }

    /**
     * How long a clean (fast) stop of the primary may take before it escalates to an immediate shutdown and then
     * SIGKILL. In synchronous mode a fast shutdown waits until the walsenders have sent the last WAL to the standbys,
     * which a stuck standby can hold up; {@code primary_stop_timeout} is the operator's bound on that wait, longer or
     * shorter than {@code ordinary}, the budget every other stop gets.
     */
    public Duration primaryStopBudget(Duration ordinary) {
        return enabled && !primaryStopTimeout.isZero() ? primaryStopTimeout : ordinary;
    }
}
