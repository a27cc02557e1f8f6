package io.pgha.engine.ha.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("check_timeline")
class CheckTimelineSimTest {
    private SimWorld world;

    @AfterEach
    void close() {
        if (world != null) {
            world.close();
        }
    }

    /** n3 stays on timeline 1 while n2 takes over on timeline 2; then n2 dies too. Returns whether n3 promoted. */
    private boolean staleMemberPromotes(boolean checkTimeline) {
        SimWorld.Config d = SimWorld.Config.defaults();
        world = new SimWorld(21, new SimWorld.Config(d.timings(), Long.MAX_VALUE, d.primaryStartTimeout(),
                d.usePgRewind(), d.removeOnRewindFailure(), d.removeOnDivergedTimelines(), d.writeBytesPerTick()));
        world.checkTimeline(checkTimeline);
        SimMember n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        SimMember n2 = world.addMember("n2", Map.of());
        SimMember n3 = world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), world.describe());
        n3.pg.replicationStalled = true;
        world.runFor(Duration.ofSeconds(5));
        world.killAgent(n1);
        n1.pg.crash();
        assertTrue(world.runUntil(() -> world.healthyUnder("n2") || n2.pg.writable() && n2.pg.timeline == 2,
                Duration.ofMinutes(2)), world.describe());
        assertTrue(world.runUntil(() -> world.cluster().history().isPresent(), Duration.ofSeconds(30)),
                "n2 recorded the timeline switch");
        world.killAgent(n2);
        n2.pg.crash();
        world.runFor(Duration.ofSeconds(60));
        return n3.pg.writable();
    }

    @Test
    @DisplayName("a member still on an older timeline than the cluster's does not race")
    void staleMemberDoesNotRace() {
        assertFalse(staleMemberPromotes(true), world.describe());
    }

    @Test
    @DisplayName("max_timelines_history keeps only the newest entries of the history key")
    void historyTrimmed() {
        world = new SimWorld(22, SimWorld.Config.defaults());
        world.maxTimelinesHistory(1);
        SimMember n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        world.addMember("n2", Map.of());
        world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), world.describe());
        for (int round = 0; round < 2; round++) {
            SimMember leader = world.member(world.leader().orElseThrow());
            world.killAgent(leader);
            leader.pg.crash();
            long timeline = leader.pg.timeline;
            assertTrue(world.runUntil(() -> world.cluster().history().map(h -> h.entries().stream()
                    .anyMatch(e -> e.timeline() == timeline)).orElse(false), Duration.ofMinutes(2)), world.describe());
            world.startAgent(leader, java.util.Optional.empty());
            assertTrue(world.runUntil(() -> world.leader().isPresent()
                    && world.healthyUnder(world.leader().get()), Duration.ofMinutes(3)), world.describe());
        }
        var entries = world.cluster().history().orElseThrow().entries();
        assertTrue(entries.size() == 1 && entries.get(0).timeline() == 2, "only the newest entry: " + entries);
    }

    @Test
    @DisplayName("without check_timeline the same member takes over")
    void staleMemberRacesWithoutTheCheck() {
        assertTrue(staleMemberPromotes(false), world.describe());
    }
}
