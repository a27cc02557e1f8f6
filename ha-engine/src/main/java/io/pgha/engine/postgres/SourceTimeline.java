package io.pgha.engine.postgres;

import java.util.Objects;

/**
 * Where a rewind (or follow) source is: its current timeline, whether its last checkpoint is already on that
 * timeline (pg_rewind reads the source's pg_control, so a fresh promotion must be checkpointed first) and the history
 * of how it got there.
 *
 * @param inRecovery whether the source is itself a standby
 * @param timeline the timeline its WAL is written on
 * @param checkpointTimeline its latest checkpoint's timeline
 * @param history its timeline history (empty on timeline 1)
 */
public record SourceTimeline(boolean inRecovery, long timeline, long checkpointTimeline, TimelineHistory history) {
    public SourceTimeline {
        Objects.requireNonNull(history, "history is null");
    }

    /** Whether the source's pg_control already shows its current timeline. */
    public boolean checkpointedSincePromotion() {
        return checkpointTimeline >= timeline;
    }
}
