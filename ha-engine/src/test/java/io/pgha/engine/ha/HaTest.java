package io.pgha.engine.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.dcs.InMemoryDcs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The decision tree on a simulated three-member cluster: the in-memory reference DCS on a clock the test moves, and
 * simulated PostgreSQL members. Each test runs cycles by hand, as the loop would.
 */
class HaTest {
    private static final DcsTimings TIMINGS = new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(10),
            Duration.ofSeconds(10));

    private final MutableClock clock = new MutableClock();
    private final InMemoryDcs store = new InMemoryDcs(clock);
    private final Map<String, SimulatedPostgres> world = SimulatedPostgres.newWorld();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    private final class Node {
        final String name;
        final SimulatedPostgres pg;
        final DcsClient dcs;
        final LeaseGuard guard;
        final Ha ha;
        boolean agentAlive = true;

        Node(String name, Map<String, Object> tags) {
            this.name = name;
            this.pg = new SimulatedPostgres(name, world);
            this.dcs = store.open(FakeDcsContext.builder().namespace("/service/").scope("batman").memberName(name)
                    .clock(clock).timings(TIMINGS).build());
            this.guard = new LeaseGuard(pg);
            int port = 5432 + nodes.size();
            MemberIdentity id = new MemberIdentity(name, "batman", "postgres://127.0.0.1:" + port + "/postgres",
                    "http://127.0.0.1:" + (8008 + nodes.size()) + "/patroni", tags);
            this.ha = new Ha(id, dcs, pg, HaTest.this::probe, guard, c -> policy());
            closeables.add(guard);
            closeables.add(dcs);
        }

        String cycle() {
            return ha.runCycle();
        }
    }

    private static HaPolicy policy() {
        return new HaPolicy(TIMINGS, 1_048_576, Duration.ofSeconds(300), true, true, false, false,
                Map.of("ttl", 30, "loop_wait", 10));
    }

    /** Peers answer from their simulated PostgreSQL, if their agent is alive. */
    private Map<String, Optional<PeerStatus>> probe(List<Member> members) {
        Map<String, Optional<PeerStatus>> out = new HashMap<>();
        for (Member m : members) {
            Node n = nodes.get(m.name());
            if (n == null || !n.agentAlive) {
                out.put(m.name(), Optional.empty());
                continue;
            }
            PgObservation o = n.pg.observe();
            out.put(m.name(), Optional.of(new PeerStatus(m.name(), Ha.roleName(o), o.process().patroniState(),
                    o.walPosition(), o.timeline(), n.ha.snapshot().me().noFailover(), 1)));
        }
        return out;
    }

    private Node node(String name, Map<String, Object> tags) {
        Node n = new Node(name, tags);
        nodes.put(name, n);
        return n;
    }

    private void cycleAll(int rounds) {
        for (int i = 0; i < rounds; i++) {
            for (Node n : nodes.values()) {
                if (n.agentAlive) {
                    n.cycle();
                }
            }
        }
    }

    /** Lets {@code seconds} pass with the live agents cycling every loop_wait, as they would. */
    private void passTime(int seconds) {
        for (int t = 0; t < seconds; t += 10) {
            clock.advance(Duration.ofSeconds(Math.min(10, seconds - t)));
            store.sweep();
            if (!cluster().isUnlocked()) {
                cycleAll(1);
            }
        }
    }

    private ClusterState cluster() {
        return nodes.values().iterator().next().dcs.read();
    }

    private void threeHealthyMembers() {
        node("n1", Map.of());
        node("n2", Map.of());
        node("n3", Map.of());
        cycleAll(3);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        store.close();
    }

    @Test
    @DisplayName("exactly one member bootstraps, the others clone from it and follow it")
    void bootstrap() {
        threeHealthyMembers();
        ClusterState c = cluster();
        assertEquals("n1", c.leader().orElseThrow().name());
        assertEquals(world.get("n1").systemId, c.initialize().orElseThrow());
        assertTrue(c.config().isPresent());
        assertEquals(List.of("bootstrap"), world.get("n1").actions);
        for (String r : List.of("n2", "n3")) {
            assertEquals(List.of("createReplica n1", "startAsReplica n1"), world.get(r).actions, r);
            assertTrue(world.get(r).observe().streaming());
        }
        assertEquals(Set.of("n2", "n3"), world.get("n1").slots);
        assertEquals(Optional.of("primary"), c.member("n1").orElseThrow().data().role());
        assertEquals("no action. I am (n2), a secondary, and following a leader (n1)", nodes.get("n2").cycle());
        assertEquals("no action. I am (n1), the leader with the lock", nodes.get("n1").cycle());
    }

    @Test
    @DisplayName("when the leader's agent dies its lock expires and the most advanced replica is promoted")
    void failover() {
        threeHealthyMembers();
        Node n1 = nodes.get("n1");
        world.get("n1").write(500);
        cycleAll(1);
        // n3 falls behind: it stops receiving before the last writes
        world.get("n3").diverged = true;
        world.get("n1").write(5000);
        nodes.get("n2").cycle();
        n1.agentAlive = false;
        world.get("n1").crash();
        passTime(31);
        assertTrue(cluster().isUnlocked());

        String n3 = nodes.get("n3").cycle();
        assertTrue(n3.startsWith("following a different leader because i am not the healthiest node"), n3);
        assertEquals("promoted self to leader by acquiring session lock", nodes.get("n2").cycle());
        assertEquals(PgRole.PRIMARY, world.get("n2").role);
        assertEquals(2, world.get("n2").timeline);
        assertEquals(1, cluster().history().orElseThrow().entries().size());
        assertEquals(Set.of("n1", "n3"), world.get("n2").slots, "slots for the others exist at promotion");
    }

    @Test
    @DisplayName("a member tagged nofailover never races for the lock")
    void noFailover() {
        node("n1", Map.of());
        node("n2", Map.of("nofailover", true));
        cycleAll(3);
        nodes.get("n1").agentAlive = false;
        world.get("n1").crash();
        passTime(31);
        String msg = nodes.get("n2").cycle();
        assertTrue(msg.contains("nofailover"), msg);
        assertTrue(cluster().isUnlocked());
        assertEquals(PgRole.REPLICA, world.get("n2").role);
    }

    @Test
    @DisplayName("a leader that cannot refresh its lock stops PostgreSQL at once")
    void leaderLosesDcs() {
        threeHealthyMembers();
        store.setAvailable(false);
        String msg = nodes.get("n1").cycle();
        assertTrue(msg.startsWith("demoted self because DCS is not accessible and I was a leader"), msg);
        assertEquals(StopMode.IMMEDIATE, world.get("n1").lastStop);
        assertEquals(PgRole.REPLICA, world.get("n1").role, "restarted read-only");
        String replica = nodes.get("n2").cycle();
        assertTrue(replica.startsWith("DCS is not accessible"), replica);
        assertEquals(PgRole.REPLICA, world.get("n2").role, "replicas keep running");
    }

    @Test
    @DisplayName("a primary that finds another member holding the lock demotes itself and rejoins through pg_rewind")
    void staleLeaderDemotes() {
        threeHealthyMembers();
        // n1 freezes; its lock expires; n2 takes over; n1 wakes up still running as primary
        nodes.get("n1").agentAlive = false;
        passTime(31);
        nodes.get("n2").cycle();
        assertEquals("n2", cluster().leader().orElseThrow().name());
        world.get("n1").diverged = true;
        nodes.get("n1").agentAlive = true;
        String msg = nodes.get("n1").cycle();
        assertTrue(msg.startsWith("demoting self because I do not have the lock and I was a leader"), msg);
        assertTrue(world.get("n1").actions.contains("stop IMMEDIATE"));
        assertTrue(world.get("n1").actions.contains("rewind n2"), world.get("n1").actions.toString());
        assertEquals(PgRole.REPLICA, world.get("n1").role);
    }

    @Test
    @DisplayName("a switchover request makes the leader stop cleanly and hand the lock to the candidate")
    void switchover() {
        threeHealthyMembers();
        DcsClient dcs = nodes.get("n1").dcs;
        assertTrue(dcs.writeFailover(FailoverRequest.of("n1", "n3"), Precondition.absent()));
        String msg = nodes.get("n1").cycle();
        assertEquals("switchover: demoted myself and released the lock to n3", msg);
        assertEquals(List.of("checkpoint", "stop FAST", "startAsReplica n3"),
                world.get("n1").actions.subList(1, 4));
        String n2 = nodes.get("n2").cycle();
        assertTrue(n2.contains("the switchover candidate n3 is healthy"), n2);
        assertEquals("promoted self to leader by acquiring session lock", nodes.get("n3").cycle());
        assertTrue(cluster().failover().isEmpty(), "the request is cleared");
        cycleAll(2);
        assertEquals("n3", world.get("n1").upstream.orElseThrow().name());
        assertFalse(world.get("n1").actions.stream().anyMatch(a -> a.startsWith("rewind")), "no pg_rewind after a switchover");
    }

    @Test
    @DisplayName("a data directory of another cluster is never joined")
    void systemIdMismatch() {
        threeHealthyMembers();
        Node n4 = node("n4", Map.of());
        n4.pg.dir = DataDirectoryState.Kind.INITIALIZED;
        n4.pg.systemId = "6999999999999999999";
        String msg = n4.cycle();
        assertTrue(msg.startsWith("system ID mismatch, node n4 belongs to a different cluster"), msg);
        assertTrue(n4.pg.actions.isEmpty(), "nothing was done to it: " + n4.pg.actions);
        assertEquals(PgProcessState.STOPPED, n4.pg.process);
    }

    @Test
    @DisplayName("the guard fences PostgreSQL when the lock is not refreshed before it could expire")
    void guardFences() throws Exception {
        SimulatedPostgres pg = new SimulatedPostgres("x", world);
        pg.bootstrap();
        try (LeaseGuard guard = new LeaseGuard(pg)) {
            guard.renewed(System.nanoTime(), Duration.ofMillis(1500), Duration.ofMillis(1000));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!pg.fenced && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(pg.fenced, "fenced within the margin");
            assertTrue(guard.hasFenced());
        }
    }

    /** A clock the test moves by hand. */
    private static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-21T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
