package io.pgha.engine.journal;

import java.util.Locale;

/** What kind of decision a journal event records; its {@link #label()} is what {@code GET /events} shows. */
public enum EventKind {
    /** The member bootstrapped a new cluster or copied its data directory from another member. */
    BOOTSTRAP,
    /** The member won the leader race and took the lock. */
    LOCK_ACQUIRED,
    /** The member raced for the lock and another member got it. */
    LOCK_RACE_LOST,
    /** The lock could not be refreshed, or another member holds it now. */
    LOCK_LOST,
    /** The member gave the lock up on purpose (switchover, failed start, empty data directory). */
    LOCK_RELEASED,
    /** PostgreSQL was promoted to primary. */
    PROMOTED,
    /** PostgreSQL was stopped or restarted as a replica because this member may no longer write. */
    DEMOTED,
    /** The lease guard stopped PostgreSQL because the lock was not refreshed in time. */
    FENCED,
    /** The member did not race for the lock (a healthier member exists, it is tagged nofailover, it lags). */
    CANDIDATE_REJECTED,
    /** A switchover was carried out, scheduled or cancelled by this member. */
    SWITCHOVER,
    /** pg_rewind was chosen to bring the data directory onto the leader's timeline. */
    REWIND,
    /** The data directory was removed to be copied afresh (diverged, or rewind failed). */
    REINITIALIZE,
    /** PostgreSQL was started, restarted or stopped for a reason other than the above. */
    POSTGRES,
    /** The DCS stopped answering. */
    DCS_UNREACHABLE,
    /** The DCS answers again. */
    DCS_REACHABLE,
    /** Another member took the lock, or the cluster became leaderless. */
    LEADER_CHANGED,
    /** New dynamic settings (ttl, loop_wait, maximum_lag_on_failover, ...) took effect. */
    CONFIG_APPLIED,
    /** The agent started or stopped. */
    AGENT,
    /** The loop's decision changed in a way none of the kinds above describes. */
    DECISION;

    /** {@code lock_acquired}, {@code promoted}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
