package io.pgha.engine.ha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.ha.DataDirectoryState;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.ha.PgProcessState;
import io.pgha.engine.ha.PgRole;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.Precondition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The decision tree's main paths, scripted in the simulated world with every invariant checked on the way. */
class HaScenarioTest {
    private SimWorld world;

    @AfterEach
    void close() {
        if (world != null) {
            world.close();
        }
    }

    private SimWorld threeMembers(Map<String, Object> n3Tags) {
        world = new SimWorld(1, SimWorld.Config.defaults());
        world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), "n1 bootstrapped\n" + world.describe());
        world.addMember("n2", Map.of());
        world.addMember("n3", n3Tags);
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), "cluster up under n1\n" + world.describe());
        return world;
    }

    private boolean leads(String name) {
        return world.leader().equals(Optional.of(name)) && world.member(name).pg.writable();
    }

    @Test
    @DisplayName("exactly one member bootstraps, the others clone from it and follow it")
    void bootstrap() {
        threeMembers(Map.of());
        ClusterState c = world.cluster();
        assertEquals(world.member("n1").pg.systemId, c.initialize().orElseThrow());
        assertTrue(c.config().isPresent());
        assertEquals(List.of("bootstrap"), world.member("n1").pg.actions);
        for (String r : List.of("n2", "n3")) {
            assertEquals(List.of("createReplica n1", "startAsReplica n1"), world.member(r).pg.actions, r);
        }
        world.runFor(Duration.ofSeconds(15));
        assertEquals(Set.of("n2", "n3"), world.member("n1").pg.slots);
        world.member("n1").pg.slots = Set.of("n2", "n3", "backup_tool");
        world.runFor(Duration.ofSeconds(30));
        assertEquals(Set.of("n2", "n3", "backup_tool"), world.member("n1").pg.slots,
                "a slot that never belonged to a member is left alone");
        assertEquals(Optional.of("primary"), world.cluster().member("n1").orElseThrow().data().role());
        assertEquals("no action. I am (n2), a secondary, and following a leader (n1)", world.member("n2").lastDecision);
        assertEquals("no action. I am (n1), the leader with the lock", world.member("n1").lastDecision);
    }

    @Test
    @DisplayName("when the leader's host dies its lock expires and the most advanced replica is promoted")
    void failover() {
        threeMembers(Map.of());
        SimMember n3 = world.member("n3");
        n3.pg.replicationStalled = true;
        world.runFor(Duration.ofSeconds(5));
        world.killAgent(world.member("n1"));
        world.member("n1").pg.crash();
        n3.pg.replicationStalled = false;
        assertTrue(world.runUntil(() -> leads("n2"), Duration.ofMinutes(1)), "n2, the most advanced, took over");
        assertEquals(2, world.member("n2").pg.timeline);
        assertTrue(world.runUntil(() -> world.cluster().history().isPresent(), Duration.ofSeconds(5)));
        assertEquals(1, world.cluster().history().orElseThrow().entries().size());
        assertTrue(world.member("n2").pg.slots.containsAll(Set.of("n1", "n3")), "slots for the others at promotion");
        assertTrue(world.runUntil(() -> n3.pg.streaming(), Duration.ofSeconds(30)), "n3 follows n2");
    }

    @Test
    @DisplayName("a member tagged nofailover never races for the lock")
    void noFailover() {
        world = new SimWorld(1, SimWorld.Config.defaults());
        world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), "n1 bootstrapped\n" + world.describe());
        SimMember n2 = world.addMember("n2", Map.of("nofailover", true));
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)));
        world.killAgent(world.member("n1"));
        world.member("n1").pg.crash();
        world.runFor(Duration.ofMinutes(1));
        assertTrue(n2.lastDecision.contains("nofailover"), n2.lastDecision);
        assertTrue(world.cluster().isUnlocked());
        assertEquals(PgRole.REPLICA, n2.pg.role);
    }

    @Test
    @DisplayName("a leader that loses the DCS stops PostgreSQL at once and restarts it read-only; replicas go on")
    void leaderLosesDcs() {
        threeMembers(Map.of());
        world.setDcsOutage(true);
        SimMember n1 = world.member("n1");
        assertTrue(world.runUntil(() -> n1.lastDecision.startsWith(
                "demoted self because DCS is not accessible and I was a leader"), Duration.ofSeconds(30)));
        assertTrue(n1.pg.actions.contains("stop IMMEDIATE"));
        assertTrue(world.runUntil(() -> n1.pg.role == PgRole.REPLICA, Duration.ofSeconds(10)), "restarted read-only");
        assertTrue(world.runUntil(() -> world.member("n2").lastDecision.startsWith("DCS is not accessible"),
                Duration.ofSeconds(20)), world.member("n2").lastDecision);
        assertEquals(PgRole.REPLICA, world.member("n2").pg.role, "replicas keep running");
    }

    @Test
    @DisplayName("a primary whose agent wakes from a long freeze finds another leader, demotes and rejoins with "
            + "pg_rewind (its writes in between are what the outside fencing process is for)")
    void frozenLeaderDemotesOnWaking() {
        threeMembers(Map.of());
        world.checkInvariants(false);
        SimMember n1 = world.member("n1");
        world.freeze(n1, true);
        assertTrue(world.runUntil(() -> leads("n2") || leads("n3"), Duration.ofMinutes(1)));
        world.runFor(Duration.ofSeconds(5));
        world.freeze(n1, false);
        assertTrue(world.runUntil(() -> n1.pg.streaming(), Duration.ofMinutes(1)), n1.lastDecision);
        assertTrue(n1.pg.actions.contains("stop IMMEDIATE") || n1.pg.actions.contains("fence"), n1.pg.actions.toString());
        assertTrue(n1.pg.actions.stream().anyMatch(a -> a.startsWith("rewind")), n1.pg.actions.toString());
    }

    /** A watchdog whose device is usable or not, counting what the loop did with it. */
    static final class FakeWatchdog implements io.pgha.engine.ha.Watchdog {
        final boolean required;
        final boolean usable;
        boolean armed;
        int kicks;
        int arms;
        int attempts;

        FakeWatchdog(boolean required, boolean usable) {
            this.required = required;
            this.usable = usable;
        }

        @Override
        public boolean required() {
            return required;
        }

        @Override
        public Optional<String> unusable(Duration ttl) {
            return usable ? Optional.empty() : Optional.of("no device");
        }

        @Override
        public Optional<String> arm(Duration ttl) {
            attempts++;
            if (!usable) {
                return Optional.of("no device");
            }
            arms += armed ? 0 : 1;
            armed = true;
            return Optional.empty();
        }

        @Override
        public void keepalive() {
            kicks += armed ? 1 : 0;
        }

        @Override
        public void disarm() {
            armed = false;
        }

        @Override
        public boolean armed() {
            return armed;
        }
    }

    @Test
    @DisplayName("watchdog automatic without a device: the leader goes on, trying (and saying so) once per leadership")
    void watchdogAutomaticWithoutDevice() {
        world = new SimWorld(1, SimWorld.Config.defaults());
        SimMember n1 = world.addMember("n1", Map.of());
        FakeWatchdog none = new FakeWatchdog(false, false);
        n1.watchdog = none;
        world.startAgent(n1);
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        world.runFor(Duration.ofMinutes(2));
        assertTrue(leads("n1"), world.describe());
        assertEquals(1, none.attempts, "not retried every cycle");
    }

    @Test
    @DisplayName("watchdog required: a member that cannot arm one never leads; one that can is armed while primary")
    void watchdogRequired() {
        world = new SimWorld(1, SimWorld.Config.defaults());
        SimMember n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        SimMember n2 = world.addMember("n2", Map.of());
        SimMember n3 = world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), world.describe());
        FakeWatchdog none = new FakeWatchdog(true, false);
        FakeWatchdog good = new FakeWatchdog(true, true);
        n2.watchdog = none;
        n3.watchdog = good;
        world.startAgent(n2);
        world.startAgent(n3);
        world.runFor(Duration.ofSeconds(30));
        world.killAgent(n1);
        n1.pg.crash();
        assertTrue(world.runUntil(() -> leads("n3"), Duration.ofMinutes(2)), "only n3 can arm a watchdog\n"
                + world.describe());
        assertTrue(good.armed && good.arms == 1, "armed once before promoting");
        world.runFor(Duration.ofSeconds(60));
        assertTrue(good.kicks >= 3, "kicked with each refresh: " + good.kicks);
        assertEquals(PgRole.REPLICA, n2.pg.role);

        // a switchover away: the old primary disarms it once it no longer runs as one
        world.startAgent(n1);
        assertTrue(world.runUntil(() -> world.healthyUnder("n3") && n1.pg.streaming(), Duration.ofMinutes(2)),
                world.describe());
        assertTrue(world.operator().writeFailover(FailoverRequest.of("n3", "n1"), Precondition.any()));
        assertTrue(world.runUntil(() -> leads("n1"), Duration.ofMinutes(1)), world.describe());
        assertFalse(good.armed, "disarmed after the switchover");
    }

    @Test
    @DisplayName("at ttl 10 / loop_wait 2 / retry_timeout 3 the leader still does a whole cycle's work, and fails over")
    void shortTtlWorks() {
        world = new SimWorld(3, SimWorld.Config.defaults().withTimings(new io.pgha.spi.dcs.DcsTimings(
                Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(3))));
        world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        world.addMember("n2", Map.of());
        world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)),
                "replicas join a leader that reads the cluster every cycle\n" + world.describe());
        assertFalse(world.member("n1").lastDecision.contains("answers slowly"), world.member("n1").lastDecision);
        world.killAgent(world.member("n1"));
        world.member("n1").pg.crash();
        assertTrue(world.runUntil(() -> world.leader().filter(l -> !l.equals("n1")).isPresent()
                && world.member(world.leader().get()).pg.writable(), Duration.ofSeconds(30)), world.describe());
    }

    @Test
    @DisplayName("quorum commit: a voter takes over only with the votes of enough other voters not ahead of it")
    void quorumCommitNeedsVotes() {
        threeMembers(Map.of());
        world.syncPolicy(new io.pgha.engine.ha.SyncPolicy(true, false, 1, -1, Duration.ZERO, true));
        assertTrue(world.runUntil(() -> world.cluster().sync().filter(s -> s.syncStandbys().size() == 2
                && s.quorum().equals(Optional.of(1))).isPresent(), Duration.ofMinutes(1)),
                "n2 and n3 vote, one of them per commit\n" + world.describe());
        assertEquals(Optional.of("ANY 1 (\"n2\",\"n3\")"), world.member("n1").pg.syncNames);

        // the leader's host dies and so does n3: n2 alone cannot know it holds what only n3 acknowledged
        SimMember n2 = world.member("n2");
        SimMember n3 = world.member("n3");
        world.killAgent(world.member("n1"));
        world.member("n1").pg.crash();
        world.killAgent(n3);
        n3.pg.crash();
        world.runFor(Duration.ofMinutes(1));
        assertTrue(world.cluster().isUnlocked(), "nobody promoted\n" + world.describe());
        assertTrue(n2.lastDecision.contains("quorum votes"), n2.lastDecision);
        assertEquals(PgRole.REPLICA, n2.pg.role);

        // n3 comes back: with its vote one of the two takes over
        world.startAgent(n3);
        assertTrue(world.runUntil(() -> world.leader().filter(l -> !l.equals("n1")).isPresent()
                && world.member(world.leader().get()).pg.writable(), Duration.ofMinutes(2)), world.describe());
    }

    @Test
    @DisplayName("primary_stop_timeout bounds the primary's clean stop in synchronous mode, and only there")
    void primaryStopTimeoutBoundsTheStopInSyncMode() {
        threeMembers(Map.of());
        SimMember n1 = world.member("n1");
        world.syncPolicy(new io.pgha.engine.ha.SyncPolicy(true, false, 1, -1, Duration.ofSeconds(42)));
        assertTrue(world.runUntil(() -> world.cluster().sync().filter(s -> !s.syncStandbys().isEmpty()).isPresent(),
                Duration.ofMinutes(1)), "a synchronous standby is named\n" + world.describe());
        String standby = world.cluster().sync().orElseThrow().syncStandbys().get(0);
        assertTrue(world.operator().writeFailover(FailoverRequest.of("n1", standby), Precondition.absent()));
        assertTrue(world.runUntil(() -> world.healthyUnder(standby), Duration.ofMinutes(1)), world.describe());
        int stop = n1.pg.actions.indexOf("stop FAST");
        assertTrue(stop >= 0, n1.pg.actions.toString());
        assertEquals(Duration.ofSeconds(42), n1.pg.stopBudgets.get(n1.pg.actions.subList(0, stop + 1).stream()
                .filter(a -> a.startsWith("stop ")).toList().size() - 1), "the switchover's stop of the primary");

        // asynchronous again: the same stop gets the ordinary budget, max(5 s, retry_timeout)
        world.syncPolicy(new io.pgha.engine.ha.SyncPolicy(false, false, 1, -1, Duration.ofSeconds(42)));
        SimMember leader = world.member(standby);
        int before = leader.pg.stopBudgets.size();
        assertTrue(world.operator().writeFailover(FailoverRequest.of(standby, "n1"), Precondition.absent()));
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        assertEquals(SimWorld.Config.defaults().timings().retryTimeout(), leader.pg.stopBudgets.get(before),
                "the ordinary budget: " + leader.pg.stopBudgets);
    }

    @Test
    @DisplayName("a switchover makes the leader stop cleanly and hand the lock to the candidate, without pg_rewind")
    void switchover() {
        threeMembers(Map.of());
        assertTrue(world.operator().writeFailover(FailoverRequest.of("n1", "n3"), Precondition.absent()));
        SimMember n1 = world.member("n1");
        assertTrue(world.runUntil(() -> world.healthyUnder("n3"), Duration.ofMinutes(1)));
        int checkpoint = n1.pg.actions.indexOf("checkpoint");
        assertEquals(List.of("checkpoint", "stop FAST", "startAsReplica n3"),
                n1.pg.actions.subList(checkpoint, checkpoint + 3));
        assertTrue(world.runUntil(() -> world.cluster().failover().isEmpty(), Duration.ofSeconds(10)),
                "the request is cleared");
        assertFalse(n1.pg.actions.stream().anyMatch(a -> a.startsWith("rewind")), "no pg_rewind after a switchover");
    }

    @Test
    @DisplayName("a data directory of another cluster is never joined")
    void systemIdMismatch() {
        threeMembers(Map.of());
        world.pauseWrites(true);
        SimMember n4 = world.addMember("n4", Map.of());
        world.killAgent(n4);
        n4.pg.dir = DataDirectoryState.Kind.INITIALIZED;
        n4.pg.systemId = "6999999999999999999";
        world.startAgent(n4);
        world.runFor(Duration.ofSeconds(15));
        assertTrue(n4.lastDecision.startsWith("system ID mismatch, node n4 belongs to a different cluster"),
                n4.lastDecision);
        assertTrue(n4.pg.actions.isEmpty(), "nothing was done to it: " + n4.pg.actions);
        assertEquals(PgProcessState.STOPPED, n4.pg.process);
    }

    @Test
    @DisplayName("paused: a crashed primary is neither restarted nor failed over; resumed, the cluster heals")
    void pauseMeansHandsOff() {
        threeMembers(Map.of());
        world.setPaused(true);
        SimMember n1 = world.member("n1");
        assertTrue(world.runUntil(() -> n1.lastDecision.startsWith("PAUSE: "), Duration.ofSeconds(15)));
        long starts = n1.pg.actions.stream().filter(a -> a.startsWith("start")).count();
        n1.pg.crash();
        world.runFor(Duration.ofMinutes(2));
        assertEquals(starts, n1.pg.actions.stream().filter(a -> a.startsWith("start")).count(), "not restarted");
        assertTrue(world.cluster().isUnlocked(), "the holder released the lock of its stopped PostgreSQL");
        assertFalse(world.member("n2").pg.writable() || world.member("n3").pg.writable(), "no automatic failover");
        assertTrue(world.member("n2").lastDecision.startsWith("PAUSE: "), world.member("n2").lastDecision);
        world.setPaused(false);
        assertTrue(world.runUntil(() -> world.leader().isPresent() && world.member(world.leader().get()).pg.writable(),
                Duration.ofMinutes(2)), "a leader again once resumed");
    }

    @Test
    @DisplayName("paused: the leader keeps its lock and role; resuming changes no role")
    void pauseAndResumeKeepRoles() {
        threeMembers(Map.of());
        world.setPaused(true);
        world.runFor(Duration.ofMinutes(1));
        assertTrue(leads("n1"));
        assertEquals("PAUSE: no action. I am (n1), the leader with the lock", world.member("n1").lastDecision);
        world.setPaused(false);
        world.runFor(Duration.ofSeconds(30));
        assertTrue(world.healthyUnder("n1"));
        assertEquals(0, world.stats().promotions, "no promotion");
    }

    @Test
    @DisplayName("paused: stopping the agent leaves PostgreSQL running and the lock in place")
    void pausedShutdownLeavesPostgres() {
        threeMembers(Map.of());
        world.setPaused(true);
        SimMember n1 = world.member("n1");
        assertTrue(world.runUntil(() -> n1.lastDecision.startsWith("PAUSE: "), Duration.ofSeconds(15)));
        assertTrue(world.shutdownAgent(n1).startsWith("PAUSE: left PostgreSQL running"));
        assertTrue(n1.pg.writable());
        assertEquals(Optional.of("n1"), world.leader());
    }

    @Test
    @DisplayName("the guard fences PostgreSQL at its deadline unless renewed, on the world's clock")
    void guardFencesAtDeadline() {
        world = new SimWorld(1, SimWorld.Config.defaults());
        SimPostgres pg = new SimPostgres("x", world);
        pg.bootstrap();
        LeaseGuard guard = new LeaseGuard(pg, world.clock());
        guard.renewed(world.clock().nanoTime(), Duration.ofSeconds(30), Duration.ofSeconds(4));
        world.runFor(Duration.ofSeconds(25));
        guard.renewed(world.clock().nanoTime(), Duration.ofSeconds(30), Duration.ofSeconds(4));
        world.runFor(Duration.ofSeconds(25));
        assertEquals(0, pg.fences, "renewed in time");
        world.runFor(Duration.ofSeconds(2));
        assertEquals(1, pg.fences, "fenced at ttl - margin after the last renewal");
        assertTrue(guard.hasFenced());
    }
}
