package io.pgha.engine.postgres;

import java.util.Objects;
import java.util.Optional;

/**
 * Whether a stopped data directory has diverged from a source server, so that it can only follow it after pg_rewind
 * (or a new copy). Decided the way Patroni does, from the local pg_control and the source's timeline history:
 *
 * <ul>
 * <li>local timeline ahead of the source's: diverged;
 * <li>same timeline: not diverged;
 * <li>source ahead: the history says where the local timeline ended on the source; diverged when the local WAL
 * goes at or beyond that switchpoint (the latest checkpoint record starts at or after it, or, for a former standby,
 * its minimum recovery point or the replay position the caller saw lies beyond it), or when the local timeline is
 * not in the history at all.
 * </ul>
 *
 * <p>Why this and not pg_rewind's dry run: the history is read with {@code pg_read_binary_file}, which the rewind
 * user is granted anyway, over an ordinary connection, so no replication-protocol client is needed, the decision
 * works while the local directory is not yet cleanly shut down, and it says why.
 *
 * @param needed whether pg_rewind (or a new copy) is needed to follow the source
 * @param reason one line saying why
 */
public record RewindDecision(boolean needed, String reason) {
    public RewindDecision {
        Objects.requireNonNull(reason, "reason is null");
    }

    /**
     * For a running standby, which has no pg_control worth reading: diverged when it is on a timeline ahead of the
     * source's or missing from its history, or when it replayed past the point where the source's history left its
     * timeline.
     *
     * @param timeline the standby's current timeline
     * @param replayed how far it replayed
     * @param source the source's timeline and history
     */
    public static RewindDecision decideForStandby(long timeline, Lsn replayed, SourceTimeline source) {
        if (timeline > source.timeline()) {
            return new RewindDecision(true, "the standby's timeline " + timeline + " is ahead of the source's "
                    + source.timeline());
        }
        if (timeline == source.timeline()) {
            return new RewindDecision(false, "both are on timeline " + timeline);
        }
        Optional<Lsn> switchpoint = source.history().switchpointOf(timeline);
        if (switchpoint.isEmpty()) {
            return new RewindDecision(true, "the standby's timeline " + timeline
                    + " is not in the source's history of timeline " + source.timeline());
        }
        if (replayed.compareTo(switchpoint.get()) > 0) {
            return new RewindDecision(true, "the standby replayed up to " + replayed + ", beyond the source's "
                    + "switchpoint " + switchpoint.get() + " off timeline " + timeline);
        }
        return new RewindDecision(false, "the standby replayed up to " + replayed + ", before the source's "
                + "switchpoint " + switchpoint.get());
    }

    /**
     * @param local pg_control of the stopped local directory
     * @param replayed the last position the local server replayed, if the caller saw it running as a standby
     * @param source the source's timeline and history
     */
    public static RewindDecision decide(ControlData local, Optional<Lsn> replayed, SourceTimeline source) {
        long localTimeline = local.timeline();
        if (localTimeline > source.timeline()) {
            return new RewindDecision(true, "the local timeline " + localTimeline + " is ahead of the source's "
                    + source.timeline());
        }
        if (localTimeline == source.timeline()) {
            return new RewindDecision(false, "both are on timeline " + localTimeline);
        }
        Optional<Lsn> switchpoint = source.history().switchpointOf(localTimeline);
        if (switchpoint.isEmpty()) {
            return new RewindDecision(true, "the local timeline " + localTimeline
                    + " is not in the source's history of timeline " + source.timeline());
        }
        Lsn sp = switchpoint.get();
        if (local.checkpointLsn().compareTo(sp) >= 0) {
            return new RewindDecision(true, "the local checkpoint at " + local.checkpointLsn() + " on timeline "
                    + localTimeline + " is at or beyond the source's switchpoint " + sp);
        }
        if (local.state().wasInRecovery() && local.minRecoveryEndLsn().compareTo(sp) > 0) {
            return new RewindDecision(true, "the local minimum recovery point " + local.minRecoveryEndLsn()
                    + " is beyond the source's switchpoint " + sp);
        }
        if (replayed.isPresent() && replayed.get().compareTo(sp) > 0) {
            return new RewindDecision(true, "the local replay position " + replayed.get()
                    + " is beyond the source's switchpoint " + sp);
        }
        return new RewindDecision(false, "timeline " + localTimeline + " ends at " + sp
                + " in the source's history, and the local data (checkpoint " + local.checkpointLsn()
                + ") is before that");
    }
}
