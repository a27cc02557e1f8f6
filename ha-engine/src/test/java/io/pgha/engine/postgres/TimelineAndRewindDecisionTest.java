package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TimelineAndRewindDecisionTest {

    private static final TimelineHistory HISTORY_3 = TimelineHistory.parse("""
            1\t0/3000060\tno recovery target specified

            2\t0/5000148\tno recovery target specified
            """);

    private static ControlData local(DbClusterState state, long tl, String checkpoint, String minRecovery) {
        return new ControlData("7000000000000000001", state, Lsn.parse(checkpoint), Lsn.parse(checkpoint), tl,
                Lsn.parse(minRecovery), minRecovery.equals("0/0") ? 0 : tl, true, false, "replica", Map.of());
    }

    @Test
    @DisplayName("a history file gives each parent timeline's switchpoint")
    void history() {
        assertEquals(2, HISTORY_3.entries().size());
        assertEquals(Lsn.parse("0/3000060"), HISTORY_3.switchpointOf(1).orElseThrow());
        assertEquals(Lsn.parse("0/5000148"), HISTORY_3.switchpointOf(2).orElseThrow());
        assertTrue(HISTORY_3.switchpointOf(3).isEmpty());
        assertEquals("00000003.history", TimelineHistory.fileName(3));
        assertEquals("0000001A.history", TimelineHistory.fileName(26));
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse("1 garbage"));
    }

    @Test
    @DisplayName("a cleanly shut down old primary whose checkpoint precedes the switchpoint need not be rewound")
    void cleanSwitchover() {
        RewindDecision d = RewindDecision.decide(local(DbClusterState.SHUT_DOWN, 2, "0/50000D8", "0/0"),
                Optional.empty(), new SourceTimeline(false, 3, 3, HISTORY_3));
        assertFalse(d.needed(), d.reason());
    }

    @Test
    @DisplayName("an old primary that wrote past the switchpoint must be rewound")
    void diverged() {
        RewindDecision d = RewindDecision.decide(local(DbClusterState.SHUT_DOWN, 2, "0/6000028", "0/0"),
                Optional.empty(), new SourceTimeline(false, 3, 3, HISTORY_3));
        assertTrue(d.needed());
        // the checkpoint record starting exactly at the switchpoint is not on the new timeline either
        assertTrue(RewindDecision.decide(local(DbClusterState.SHUT_DOWN, 2, "0/5000148", "0/0"), Optional.empty(),
                new SourceTimeline(false, 3, 3, HISTORY_3)).needed());
    }

    @Test
    @DisplayName("a former standby is judged by its minimum recovery point or the replay position seen")
    void standby() {
        SourceTimeline src = new SourceTimeline(false, 3, 3, HISTORY_3);
        assertFalse(RewindDecision.decide(local(DbClusterState.SHUT_DOWN_IN_RECOVERY, 2, "0/4000028", "0/5000148"),
                Optional.empty(), src).needed());
        assertTrue(RewindDecision.decide(local(DbClusterState.SHUT_DOWN_IN_RECOVERY, 2, "0/4000028", "0/5000150"),
                Optional.empty(), src).needed());
        assertTrue(RewindDecision.decide(local(DbClusterState.SHUT_DOWN_IN_RECOVERY, 2, "0/4000028", "0/4000100"),
                Optional.of(Lsn.parse("0/6000000")), src).needed());
    }

    @Test
    @DisplayName("timelines: ahead of the source or absent from its history means diverged; equal means not")
    void timelines() {
        assertTrue(RewindDecision.decide(local(DbClusterState.SHUT_DOWN, 4, "0/1000000", "0/0"), Optional.empty(),
                new SourceTimeline(false, 3, 3, HISTORY_3)).needed());
        assertFalse(RewindDecision.decide(local(DbClusterState.SHUT_DOWN, 3, "0/9000000", "0/0"), Optional.empty(),
                new SourceTimeline(false, 3, 3, HISTORY_3)).needed());
        TimelineHistory sibling = new TimelineHistory(List.of(new TimelineHistory.Entry(1, Lsn.parse("0/3000060"), "")));
        assertTrue(RewindDecision.decide(local(DbClusterState.SHUT_DOWN, 2, "0/1000000", "0/0"), Optional.empty(),
                new SourceTimeline(false, 3, 3, sibling)).needed());
    }

    @Test
    @DisplayName("a source whose checkpoint is still on its old timeline has not checkpointed since promotion")
    void checkpointed() {
        assertFalse(new SourceTimeline(false, 2, 1, HISTORY_3).checkpointedSincePromotion());
        assertTrue(new SourceTimeline(false, 2, 2, HISTORY_3).checkpointedSincePromotion());
    }
}
