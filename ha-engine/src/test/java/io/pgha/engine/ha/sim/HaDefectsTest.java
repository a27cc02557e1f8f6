package io.pgha.engine.ha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.ha.DataDirectoryState;
import io.pgha.engine.ha.HaPolicy;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.ha.PgProcessState;
import io.pgha.engine.ha.PgRole;
import io.pgha.engine.postgres.PostgresInstance;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.Precondition;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One scripted schedule per defect found in the review of the decision tree (issue 7), each run in the simulated
 * world with every invariant checked after every event. Each of them failed on the code before its fix.
 */
class HaDefectsTest {
    private static final String LEADER_KEY = "/service/" + SimWorld.SCOPE + "/leader";
    private SimWorld world;
    private SimMember n1;
    private SimMember n2;
    private SimMember n3;

    @AfterEach
    void close() {
        if (world != null) {
            world.close();
        }
    }

    private void up(SimWorld.Config config, Map<String, Object> n3Tags) {
        world = new SimWorld(42, config);
        n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), "n1 bootstrapped\n" + world.describe());
        n2 = world.addMember("n2", Map.of());
        n3 = world.addMember("n3", n3Tags);
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), "cluster up under n1\n" + world.describe());
    }

    private void up() {
        up(SimWorld.Config.defaults(), Map.of());
    }

    private Duration ttl() {
        return world.config().timings().ttl();
    }

    private void requestFailover(FailoverRequest request) {
        assertTrue(world.operator().writeFailover(request, Precondition.any()));
    }

    /** n1 commits what neither replica received, then its host dies: one replica takes over, n1's agent returns. */
    private void failOverAwayFromDivergedLeader() {
        n2.pg.replicationStalled = true;
        n3.pg.replicationStalled = true;
        world.runFor(Duration.ofSeconds(4));
        world.killAgent(n1);
        n1.pg.crash();
        n2.pg.replicationStalled = false;
        n3.pg.replicationStalled = false;
        assertTrue(world.runUntil(() -> leads(n2) || leads(n3), Duration.ofMinutes(2)), "failed over");
        world.startAgent(n1);
    }

    private boolean leads(SimMember m) {
        return world.leader().equals(Optional.of(m.name)) && m.pg.writable();
    }

    // ------------------------------------------------------------------------------------------- defect 1

    @Test
    @DisplayName("D1 a primary whose status cannot be read stops as soon as another member holds the lock")
    void unreadableStatusStillDemotes() {
        up();
        world.killAgent(n2);
        world.killAgent(n3);
        n1.pg.statusUnreadable = true;
        world.runFor(Duration.ofSeconds(12));
        world.store().writeRaw(LEADER_KEY, "n2");
        assertTrue(world.runUntil(() -> !n1.pg.writable(), Duration.ofSeconds(15)),
                "n1 stopped accepting writes: " + n1.lastDecision);
    }

    @Test
    @DisplayName("D1 the guard stays armed when the demoting stop fails, and fences in time")
    void guardStaysArmedUntilStopped() {
        up();
        world.killAgent(n2);
        world.killAgent(n3);
        n1.pg.stopFails = true;
        world.store().writeRaw(LEADER_KEY, "n2");
        assertTrue(world.runUntil(() -> !n1.pg.writable(), ttl()), "fenced: " + n1.lastDecision);
        assertEquals(1, n1.pg.fences);
        assertEquals(LeaseGuard.State.FENCED, n1.guard.state());
    }

    // ------------------------------------------------------------------------------------------- defect 2

    @Test
    @DisplayName("D2 an unknown WAL position is never published, and a clean shutdown publishes its checkpoint")
    void neverPublishesZero() {
        up();
        n1.pg.statusUnreadable = true;
        world.runFor(Duration.ofMinutes(1));
        assertTrue(world.minPublishedOptime() > 0, "smallest optime published: " + world.minPublishedOptime());
        assertEquals("stopped PostgreSQL and released the leader lock", world.shutdownAgent(n1));
        assertEquals(n1.pg.wal, world.cluster().status().optime(), "the shutdown checkpoint's position");
        assertTrue(n1.pg.wal > 0);
    }

    // ------------------------------------------------------------------------------------------- defect 3

    @Test
    @DisplayName("D3 a running standby that went past the new leader's fork point is rewound instead of "
            + "'following' for ever")
    void runningStandbyDivergenceIsDetected() {
        up(SimWorld.Config.defaults(), Map.of("nofailover", true));
        n2.pg.replicationStalled = true;
        world.runFor(Duration.ofSeconds(8));
        world.killAgent(n1);
        n1.pg.crash();
        n2.pg.replicationStalled = false;
        assertTrue(world.runUntil(() -> leads(n2), Duration.ofMinutes(2)), "n2 took over");
        long forkPoint = n2.pg.history.get(1L);
        assertTrue(n3.pg.actions.stream().noneMatch(a -> a.startsWith("rewind")));
        assertTrue(world.runUntil(() -> n3.pg.streaming(), Duration.ofMinutes(1)), "n3 streams from n2 again: "
                + n3.lastDecision + ", " + n3.pg);
        assertTrue(n3.pg.actions.contains("rewind n2"), "n3 had replayed past the fork point " + forkPoint
                + " and was rewound: " + n3.pg.actions);
    }

    // ------------------------------------------------------------------------------------------- defect 4

    @Test
    @DisplayName("D4 equally advanced members all race: one that answers HTTP but cannot take the lock does not "
            + "leave the cluster leaderless")
    void equalCandidatesAllRace() {
        up();
        world.pauseWrites(true);
        world.runFor(Duration.ofSeconds(3));
        assertEquals(n2.pg.wal, n3.pg.wal, "both replicas are as advanced");
        world.setLeaderRaceBroken("n2", true);
        world.killAgent(n1);
        n1.pg.crash();
        assertTrue(world.runUntil(() -> leads(n3), ttl().plus(Duration.ofMinutes(2))),
                "n3 took over: " + n3.lastDecision);
    }

    // ------------------------------------------------------------------------------------------- defect 5

    @Test
    @DisplayName("D5 a second crash long after the first gets a whole primary_start_timeout again")
    void primaryStartTimeoutIsPerCrash() {
        up(SimWorld.Config.defaults().withPrimaryStartTimeout(Duration.ofSeconds(60)), Map.of());
        n1.pg.crash();
        assertTrue(world.runUntil(() -> leads(n1), Duration.ofSeconds(30)), "restarted in place");
        world.runFor(Duration.ofMinutes(3));
        long promotions = world.stats().promotions;
        n1.pg.crash();
        assertTrue(world.runUntil(() -> leads(n1), Duration.ofSeconds(30)), "restarted in place again: "
                + n1.lastDecision);
        world.runFor(Duration.ofSeconds(30));
        assertEquals(promotions, world.stats().promotions, "no failover");
        assertTrue(leads(n1));
    }

    @Test
    @DisplayName("D5 primary_start_timeout 0 fails over at once instead of restarting the crashed primary")
    void primaryStartTimeoutZeroFailsOver() {
        up(SimWorld.Config.defaults().withPrimaryStartTimeout(Duration.ZERO), Map.of());
        long startsBefore = n1.pg.actions.stream().filter("startAsPrimary"::equals).count();
        n1.pg.crash();
        assertTrue(world.runUntil(() -> leads(n2) || leads(n3), Duration.ofMinutes(1)), "failed over");
        assertEquals(startsBefore, n1.pg.actions.stream().filter("startAsPrimary"::equals).count(),
                "the crashed primary was not started again as a primary: " + n1.pg.actions);
    }

    // ------------------------------------------------------------------------------------------- defect 6

    @Test
    @DisplayName("D6 a switchover whose checkpoint outlasts the ttl keeps the lock and is never fenced")
    void slowCheckpointSwitchover() {
        up();
        n1.pg.checkpointTime = ttl().plusSeconds(10);
        requestFailover(new FailoverRequest(0, Optional.of("n1"), Optional.of("n2"), Optional.empty()));
        assertTrue(world.runUntil(() -> world.healthyUnder("n2"), Duration.ofMinutes(3)), "n2 leads, all stream");
        assertEquals(0, n1.pg.fences, "the old primary was never fenced: " + n1.pg.actions);
        assertFalse(n1.pg.actions.stream().anyMatch(a -> a.startsWith("rewind")), "clean handover, no rewind");
    }

    // ------------------------------------------------------------------------------------------- defect 7

    @Test
    @DisplayName("D7 a scheduled switchover more than 1.5 loop_wait in the past is discarded")
    void staleScheduledSwitchover() {
        up();
        Duration loopWait = world.config().timings().loopWait();
        OffsetDateTime past = OffsetDateTime.ofInstant(world.clock().now().minus(loopWait.multipliedBy(10)),
                ZoneOffset.UTC);
        requestFailover(new FailoverRequest(0, Optional.of("n1"), Optional.of("n2"), Optional.of(past)));
        assertTrue(world.runUntil(() -> world.cluster().failover().isEmpty(), Duration.ofSeconds(30)), "cleared");
        world.runFor(Duration.ofSeconds(30));
        assertTrue(leads(n1), "no switchover happened");
    }

    @Test
    @DisplayName("D7 a scheduled switchover runs when it falls due, not up to a loop_wait later")
    void scheduledSwitchoverOnTime() {
        up();
        long cycles = n1.cycles;
        assertTrue(world.runUntil(() -> n1.cycles > cycles, Duration.ofSeconds(20)));
        // n1 just ended a cycle: its next ones come a loop_wait (10 s) apart, and the request falls due between them
        long dueAt = world.clock().nanoTime() + Duration.ofSeconds(15).toNanos();
        OffsetDateTime due = OffsetDateTime.ofInstant(SimClock.EPOCH.plusNanos(dueAt), ZoneOffset.UTC);
        requestFailover(new FailoverRequest(0, Optional.of("n1"), Optional.of("n2"), Optional.of(due)));
        assertTrue(world.runUntil(() -> world.leader().equals(Optional.of("n2")), Duration.ofMinutes(1)));
        double late = (world.clock().nanoTime() - dueAt) / 1e9;
        assertTrue(late >= 0 && late < 2.5, "handed over " + late + " s after it fell due");
    }

    // ------------------------------------------------------------------------------------------- defect 8

    @Test
    @DisplayName("D8 a stopped standby starts when the leader cannot be compared with yet")
    void startsStandbyWhenLeaderCannotBeAsked() {
        up();
        world.killAgent(n2);
        n2.pg.crash();
        n1.pg.refusesConnections = true;
        world.startAgent(n2);
        assertTrue(world.runUntil(() -> n2.pg.process == PgProcessState.RUNNING && n2.pg.role == PgRole.REPLICA,
                Duration.ofSeconds(30)), "started as a standby: " + n2.lastDecision);
    }

    @Test
    @DisplayName("D8 remove_data_directory_on_rewind_failure does not wipe a directory that pg_rewind may not touch")
    void rewindFailureFlagDoesNotCoverDivergence() {
        up(SimWorld.Config.defaults().withRewind(false, true, false), Map.of());
        failOverAwayFromDivergedLeader();
        assertTrue(world.runUntil(() -> n1.lastDecision.contains("diverged"), Duration.ofMinutes(1)),
                n1.lastDecision);
        world.runFor(Duration.ofSeconds(30));
        assertEquals(DataDirectoryState.Kind.INITIALIZED, n1.pg.dir, "kept: " + n1.pg.actions);
        assertFalse(n1.pg.actions.contains("removeDataDirectory"));
    }

    @Test
    @DisplayName("D8 remove_data_directory_on_diverged_timelines re-creates a diverged directory")
    void divergedTimelinesFlagReinitializes() {
        up(SimWorld.Config.defaults().withRewind(false, false, true), Map.of());
        failOverAwayFromDivergedLeader();
        assertTrue(world.runUntil(() -> n1.pg.actions.contains("removeDataDirectory") && n1.pg.streaming(),
                Duration.ofMinutes(2)), "re-created and streaming: " + n1.pg.actions);
    }

    // ------------------------------------------------------------------------------------------- defect 10

    @Test
    @DisplayName("D10 the fencing margin covers the worst-case fencing stop, with slack, for every ttl")
    void marginCoversWorstCaseFence() {
        for (int ttl : new int[] {10, 20, 30, 60, 120}) {
            HaPolicy p = SimWorld.Config.defaults().withTimings(new DcsTimings(Duration.ofSeconds(ttl),
                    Duration.ofSeconds(2), Duration.ofSeconds(2))).policy();
            Duration margin = p.fenceMargin(PostgresInstance.FENCE_WORST_CASE);
            assertTrue(margin.compareTo(PostgresInstance.FENCE_WORST_CASE.plusSeconds(1)) >= 0, ttl + ": " + margin);
        }
    }

    @Test
    @DisplayName("D10 a DCS that grants a shorter lease than ttl: the guard fences by the granted one")
    void grantedLeaseShorterThanTtl() {
        world = new SimWorld(42, SimWorld.Config.defaults());
        n1 = world.addMember("n1", Map.of());
        world.startAgent(n1, Optional.of(Duration.ofSeconds(12)));
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), "n1 bootstrapped\n" + world.describe());
        n2 = world.addMember("n2", Map.of());
        n3 = world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), "cluster up under n1\n" + world.describe());
        // n1's calls hang far past their bound: only its guard can stop it before its key expires after 12 s
        world.setDcsSlow("n1", Optional.of(Duration.ofMinutes(2)));
        assertTrue(world.runUntil(() -> leads(n2) || leads(n3), Duration.ofMinutes(1)), "failed over");
        assertEquals(1, n1.pg.fences, "n1 was fenced by its guard, in time (no split brain)");
    }

    @Test
    @DisplayName("D10 a DCS answering near retry_timeout and a slow PostgreSQL never get a healthy primary fenced")
    void slowDcsDoesNotFenceHealthyPrimary() {
        up();
        Duration retry = world.config().timings().retryTimeout();
        world.setDcsSlow("n1", Optional.of(retry.minusMillis(100)));
        n1.pg.observeLatency = Duration.ofMillis(1900);
        world.runFor(Duration.ofMinutes(5));
        assertEquals(0, n1.pg.fences, "never fenced: " + n1.lastDecision);
        assertTrue(leads(n1), "still the leader");
    }
}
