package io.pgha.engine.ha;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the HA loop does to the local PostgreSQL. Every method is bounded in time; none blocks for longer
 * than its documented limit. Failures are {@link DatabaseException}s with one line for the log.
 *
 * <p>Called from the HA loop thread only, except {@link #observe()} (also from the fencing guard) and
 * {@link #fence()} (from the fencing guard), which are thread-safe.
 */
public interface Database extends SyncStandbyControl {

    /** A fresh snapshot; bounded by a short query timeout (answers {@code UNKNOWN} role when PostgreSQL is slow). */
    PgObservation observe();

    /** Reads pg_control; never throws (an unreadable directory is {@link DataDirectoryState.Kind#UNUSABLE}). */
    DataDirectoryState inspectDataDirectory();

    /** Runs the configured bootstrap method into the empty data directory, then starts it and runs post-bootstrap. */
    void bootstrap();

    /**
     * Builds the data directory from {@code source} (empty: a method that runs without a leader) with the configured
     * replica methods, in order, until one succeeds.
     */
    void createReplica(Optional<Upstream> source);

    /**
     * Whether one of the configured replica methods can build a replica with no member to copy from (it restores
     * from an archive: Patroni's {@code no_leader}).
     */
    default boolean canCreateReplicaWithoutLeader() {
        return false;
    }

    /** Starts the postmaster as a primary (no standby.signal). Returns once spawned; {@link #observe()} shows progress. */
    void startAsPrimary();

    /** Starts the postmaster as a standby of {@code upstream} (empty: a read-only standby with no upstream). */
    void startAsReplica(Optional<Upstream> upstream);

    /** Points a running standby at a new upstream (rewrites primary_conninfo and reloads). */
    void follow(Optional<Upstream> upstream);

    /**
     * Stops the postmaster and waits until it is gone, escalating to immediate and then SIGKILL past {@code timeout}.
     */
    default void stop(StopMode mode, Duration timeout) {
        stop(mode, timeout, () -> { });
    }

    /**
     * {@link #stop(StopMode, Duration)}, calling {@code whileWaiting} on the calling thread about once a second until
     * the stop is done: the HA loop keeps its leader lock alive through a long shutdown that way.
     */
    void stop(StopMode mode, Duration timeout, Runnable whileWaiting);

    /**
     * Makes no session able to commit any more, as fast as possible (immediate stop, SIGKILL if that does not work
     * within a second). Thread-safe; may be called from the fencing guard while the loop is busy. Takes at most
     * {@link #fenceWorstCase()}.
     */
    void fence();

    /** The longest {@link #fence()} can take: the fencing guard fires at least this long before the lock can expire. */
    default Duration fenceWorstCase() {
        return Duration.ofSeconds(2);
    }

    /**
     * Promotes the running standby and waits until it accepts writes, up to {@code timeout}.
     *
     * @throws PromotionVetoed when the {@code pre_promote} hook or a lifecycle listener refused (nothing changed)
     */
    void promote(Duration timeout);

    /**
     * Says that the next stop and start are one restart, so that callbacks see {@code on_restart} instead of
     * {@code on_stop} and {@code on_start}.
     */
    default void beginRestart() {
    }

    /**
     * Rewrites PostgreSQL's configuration files from the configuration in force now and has the running server reload
     * them (SIGHUP); parameters that need a restart then show up in {@link PgObservation#pendingRestart()}.
     */
    void reload();

    /**
     * Runs CHECKPOINT on the running primary, calling {@code whileWaiting} on the calling thread about once a second
     * until it is done (see {@link #stop(StopMode, Duration, Runnable)}).
     */
    void checkpoint(Runnable whileWaiting);

    /**
     * On the running primary, or on a standby for what streams from it: creates the physical slots in {@code wanted}
     * that are missing (reserving WAL at once), and drops the inactive ones in {@code droppable} (slots of former
     * members); any other slot is left alone.
     */
    void syncReplicationSlots(Set<String> wanted, Set<String> droppable);

    /** The physical slots that exist here, each with the oldest WAL position it keeps (0: none reserved). */
    java.util.Map<String, Long> physicalSlotPositions();

    /**
     * On a running standby: moves each named physical slot that exists here forward to its target (never back, and
     * never past what this standby has replayed), so that it keeps no more WAL than the primary's copy does.
     */
    void advancePhysicalSlots(java.util.Map<String, Long> targets);

    /** On the running primary: creates the permanent logical slots in {@code wanted} that are missing. */
    void syncLogicalSlots(java.util.Map<String, SlotPolicy.Logical> wanted);

    /** The logical slots that exist here, each with the position its consumer confirmed (0: none yet). */
    java.util.Map<String, Long> logicalSlotPositions();

    /**
     * On a running standby: copies the logical slots {@code names} from the primary {@code leader} (their on-disk
     * state, read over SQL), which takes a restart of PostgreSQL, since it loads slots only at start-up.
     */
    void copyLogicalSlots(Upstream leader, Set<String> names);

    /** On a running standby: moves each named logical slot's confirmed position forward to its target. */
    void advanceLogicalSlots(java.util.Map<String, Long> targets);

    /**
     * Makes a stopped data directory that diverged from {@code source} able to follow it: nothing when it has not
     * diverged, pg_rewind when it has and rewinding is allowed.
     *
     * @return what was done
     */
    RejoinOutcome prepareToFollow(Upstream source);

    /**
     * Whether the running standby, at {@code timeline} having replayed up to {@code replayedLsn}, is on the history of
     * {@code upstream}: a standby that went past the point where the upstream's timeline forked from its own can
     * never stream from it, however long it waits.
     */
    Divergence divergence(Upstream upstream, long timeline, long replayedLsn);

    /** The running postmaster's process id, for a fencing process outside the agent. */
    default java.util.Optional<Long> postmasterPid() {
        return java.util.Optional.empty();
    }

    /** Empties the data directory, for re-creating a replica. */
    void removeDataDirectory();

    /** Whether a pending crash recovery must run before this directory can be a replica (unclean shutdown). */
    default boolean needsCrashRecovery() {
        return false;
    }

    /** What {@link #prepareToFollow} did. */
    enum RejoinOutcome {
        /** The directory is on the source's history: start as a replica. */
        ALREADY_IN_SYNC,
        /** pg_rewind brought it back onto the source's history. */
        REWOUND,
        /**
         * It diverged and may not or cannot be rewound (use_pg_rewind off, no wal_log_hints); re-created only under
         * {@code remove_data_directory_on_diverged_timelines}.
         */
        DIVERGED,
        /** pg_rewind ran and failed; re-created only under {@code remove_data_directory_on_rewind_failure}. */
        REWIND_FAILED,
        /** The source cannot be compared with yet (still promoting, not reachable): try again next cycle. */
        SOURCE_NOT_READY
    }

    /** What {@link #divergence} found. */
    enum Divergence {
        /** The standby is on the upstream's history: it can stream. */
        ON_HISTORY,
        /** The standby went past the upstream's fork point, or is on a timeline the upstream never had. */
        DIVERGED,
        /** The upstream could not be asked (not running, still promoting, unreachable). */
        UNKNOWN
    }
}
