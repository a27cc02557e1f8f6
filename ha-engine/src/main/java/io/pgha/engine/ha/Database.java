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
public interface Database {

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

    /** Starts the postmaster as a primary (no standby.signal). Returns once spawned; {@link #observe()} shows progress. */
    void startAsPrimary();

    /** Starts the postmaster as a standby of {@code upstream} (empty: a read-only standby with no upstream). */
    void startAsReplica(Optional<Upstream> upstream);

    /** Points a running standby at a new upstream (rewrites primary_conninfo and reloads). */
    void follow(Optional<Upstream> upstream);

    /**
     * Stops the postmaster and waits until it is gone, escalating to immediate and then SIGKILL past {@code timeout}.
     */
    void stop(StopMode mode, Duration timeout);

    /**
     * Makes no session able to commit any more, as fast as possible (immediate stop, SIGKILL if that does not work
     * within a second or two). Thread-safe; may be called from the fencing guard while the loop is busy.
     */
    void fence();

    /** Promotes the running standby and waits until it accepts writes, up to {@code timeout}. */
    void promote(Duration timeout);

    /** Runs CHECKPOINT on the running primary. */
    void checkpoint();

    /** On the running primary: creates the physical slots in {@code wanted} that are missing, drops other member slots. */
    void syncReplicationSlots(Set<String> wanted);

    /**
     * Makes a stopped data directory that diverged from {@code source} able to follow it: nothing when it has not
     * diverged, pg_rewind when it has and rewinding is allowed.
     *
     * @return what was done
     */
    RejoinOutcome prepareToFollow(Upstream source);

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
        /** It diverged and could not be rewound; the data directory must be re-created (or left alone). */
        NEEDS_REINITIALIZE,
        /** The source cannot be compared with yet (still promoting, not reachable): try again next cycle. */
        SOURCE_NOT_READY
    }
}
