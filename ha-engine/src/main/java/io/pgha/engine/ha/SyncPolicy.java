package io.pgha.engine.ha;

/**
 * Synchronous replication as the DCS {@code config} key asks for it.
 *
 * @param enabled {@code synchronous_mode: on}
 * @param strict {@code synchronous_mode_strict}: commits never proceed without a synchronous standby
 * @param nodeCount {@code synchronous_node_count}: standbys each commit waits for
 * @param maximumLagOnSyncnode bytes a standby may trail the primary and still be chosen (-1: any)
 */
public record SyncPolicy(boolean enabled, boolean strict, int nodeCount, long maximumLagOnSyncnode) {
    /** Asynchronous replication. */
    public static final SyncPolicy OFF = new SyncPolicy(false, false, 1, -1);

    public SyncPolicy {
        if (nodeCount < 1) {
            throw new IllegalArgumentException("nodeCount must be at least 1, was " + nodeCount);
        }
    }
}
