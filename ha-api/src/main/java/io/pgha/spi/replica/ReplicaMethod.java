package io.pgha.spi.replica;

/**
 * One configured way to build a replica's data directory.
 *
 * <p>Called from the HA loop's worker thread, one call at a time per agent; implementations need not be
 * thread-safe but must honour {@link ReplicaRequest#timeout()}.
 *
 * @since 1.0
 */
public interface ReplicaMethod extends AutoCloseable {

    /**
     * Whether this method can build a replica when no member is running as leader (it restores from an archive, for
     * instance). Patroni's option is {@code no_leader} (formerly {@code no_master}).
     */
    boolean runsWithoutLeader();

    /**
     * Whether the method works on top of an existing data directory (rsync, delta restore); if not, the engine
     * empties the directory before calling {@link #createReplica}. Patroni's option is {@code keep_data}.
     */
    boolean keepsExistingData();

    /**
     * Builds the data directory. On success the directory holds a copy that PostgreSQL can start from as a standby
     * (the engine writes the standby configuration afterwards).
     */
    ReplicaResult createReplica(ReplicaRequest request);

    @Override
    default void close() {
    }
}
