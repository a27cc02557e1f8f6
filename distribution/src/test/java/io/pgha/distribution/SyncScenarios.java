package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Synchronous replication on real PostgreSQL: switched on live through {@code PATCH /config} as an operator would,
 * a synchronous standby published in the sync key and answering {@code /sync}, then in strict mode repeated (two per DCS) kill -9
 * of the primary's agent and postmaster while a writer records every commit PostgreSQL acknowledged: each time the
 * synchronous standby takes over, never the asynchronous one, and holds every acknowledged commit. Then the same kill
 * under quorum commit ({@code synchronous_mode: quorum}): whichever voter takes over holds every acknowledged commit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class SyncScenarios {
    private static final int KILL_ROUNDS = 2;
    private static final String TABLE = "acked";

    private DcsFixture dcs;
    private TestCluster cluster;

    protected abstract DcsFixture startDcs();

    @BeforeAll
    void start() throws Exception {
        dcs = startDcs();
        cluster = TestCluster.create(dcs, "sync", 3);
        cluster.startAll();
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(150));
        leader.execute("CREATE TABLE " + TABLE + " (id bigint PRIMARY KEY)");
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (dcs != null) {
            dcs.close();
        }
    }

    @Test
    @Order(1)
    void strictSynchronousModeSwitchedOnLive() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(30));
        var answer = leader.send("PATCH", "/config", Map.of("synchronous_mode", true, "synchronous_mode_strict", true),
                Duration.ofSeconds(10));
        assertEquals(200, answer.status(), answer.body());
        ClusterMember sync = awaitSyncStandby();
        String names = leader.queryValue("SHOW synchronous_standby_names").orElseThrow();
        assertEquals("\"" + sync.name() + "\"", names, "the leader waits for the published standby");
        ClusterMember async = cluster.others(leader).stream().filter(m -> m != sync).findFirst().orElseThrow();
        assertEquals(200, sync.healthCheck("/sync"));
        assertEquals(503, async.healthCheck("/sync"));
        assertEquals(200, async.healthCheck("/async"));
        assertEquals(503, sync.healthCheck("/async"));
        assertEquals(200, leader.healthCheck("/read-only-sync"));
        assertEquals(503, async.healthCheck("/read-only-sync"));
        report("synchronous standby %s published; synchronous_standby_names = %s", sync, names);
    }

    @Test
    @Order(2)
    void killOfThePrimaryLosesNoAcknowledgedCommit() throws Exception {
        long nextId = 1;
        for (int round = 1; round <= KILL_ROUNDS; round++) {
            ClusterMember leader = cluster.awaitHealthy(Waits.seconds(120));
            ClusterMember sync = awaitSyncStandby();
            Crash crash = killUnderWriter(leader, nextId, "writer-" + round);
            assertEquals(sync.name(), crash.newLeader().name(), "only the synchronous standby may take over");
            report("round %d: %d commits acknowledged by %s, all present on %s after a %s failover",
                    round, crash.writer().acked.size(), leader, crash.newLeader(), Waits.fmt(crash.took()));
            nextId = crash.writer().next + 1;

            leader.start();
            cluster.awaitHealthy(Waits.seconds(180));
        }
    }

    @Test
    @Order(3)
    void quorumCommitLosesNoAcknowledgedCommitEither() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(60));
        var answer = leader.send("PATCH", "/config", Map.of("synchronous_mode", "quorum"), Duration.ofSeconds(10));
        assertEquals(200, answer.status(), answer.body());
        List<ClusterMember> voters = cluster.others(leader);
        List<String> sorted = voters.stream().map(ClusterMember::name).sorted().toList();
        String names = "ANY 1 (\"" + sorted.get(0) + "\",\"" + sorted.get(1) + "\")";
        // the key is widened to both voters one cycle before the parameter counts their votes
        Waits.awaitTrue("both replicas vote, and the leader waits for any one of them", Waits.seconds(60),
                () -> quorumStandbys().size() == 2
                        && leader.queryValue("SHOW synchronous_standby_names").filter(names::equals).isPresent(),
                () -> TestCluster.summary(cluster.clusterView()) + "; synchronous_standby_names = "
                        + leader.queryValue("SHOW synchronous_standby_names").orElse("?"));
        for (ClusterMember v : voters) {
            assertEquals(200, v.healthCheck("/quorum"), v + " answers /quorum");
            assertEquals(503, v.healthCheck("/sync"), v + " is no priority-based synchronous standby");
        }

        Crash crash = killUnderWriter(leader, 1_000_000, "writer-quorum");
        report("quorum commit (%s): %d commits acknowledged by %s, all present on %s after a %s failover", names,
                crash.writer().acked.size(), leader, crash.newLeader(), Waits.fmt(crash.took()));
        leader.start();
        cluster.awaitHealthy(Waits.seconds(180));
    }

    @Test
    @Order(4)
    void switchingOffDeletesTheKeyAndFreesCommits() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(60));
        Map<String, Object> off = new HashMap<>();
        off.put("synchronous_mode", null);
        off.put("synchronous_mode_strict", null);
        var answer = leader.send("PATCH", "/config", off, Duration.ofSeconds(10));
        assertEquals(200, answer.status(), answer.body());
        Waits.awaitTrue("no synchronous standby and an empty synchronous_standby_names on " + leader,
                Waits.seconds(30), () -> syncStandbys().isEmpty()
                        && leader.queryValue("SHOW synchronous_standby_names").filter(String::isEmpty).isPresent(),
                () -> TestCluster.summary(cluster.clusterView()));
        leader.execute("INSERT INTO " + TABLE + " VALUES (-1)");
    }

    // ---------------------------------------------------------------- helpers

    /** What a kill of the primary under a writer left: the writer, the member that took over, and how long it took. */
    private record Crash(Writer writer, ClusterMember newLeader, double took) {
    }

    /**
     * Starts a writer on {@code leader} from id {@code firstId}, kills the leader's agent and postmaster with SIGKILL
     * once 100 commits were acknowledged, waits for a new primary, and checks that it holds every acknowledged commit.
     */
    private Crash killUnderWriter(ClusterMember leader, long firstId, String threadName) throws Exception {
        Writer writer = new Writer(leader, firstId);
        Thread t = new Thread(writer, threadName);
        t.start();
        Waits.awaitTrue("the writer got 100 commits acknowledged", Waits.seconds(60),
                () -> writer.acked.size() >= 100, () -> writer.acked.size() + " acknowledged, " + writer.error);
        long postmaster = leader.postmasterPid().orElseThrow(() -> new AssertionError("no postmaster pid"));
        long start = System.nanoTime();
        Procs.signal(leader.agentPid(), Procs.Sig.KILL);
        Procs.signal(postmaster, Procs.Sig.KILL);
        assertTrue(leader.awaitAgentExit(Duration.ofSeconds(10)), "agent survived SIGKILL");
        assertTrue(Procs.awaitDeath(postmaster, Duration.ofSeconds(10)), "postmaster survived SIGKILL");
        writer.stop.set(true);
        t.join(Waits.seconds(60).toMillis());
        assertTrue(!t.isAlive(), "the writer did not stop");

        ClusterMember newLeader = cluster.awaitNewPrimary(leader, Waits.seconds(TestCluster.TTL + 40));
        double took = Waits.secondsSince(start);
        Set<Long> present = ids(newLeader);
        List<Long> lost = writer.acked.stream().filter(id -> !present.contains(id)).toList();
        assertEquals(List.of(), lost, "acknowledged commits missing on " + newLeader);
        return new Crash(writer, newLeader, took);
    }

    private List<String> syncStandbys() {
        return cluster.clusterView().map(v -> TestCluster.entries(v).values().stream()
                .filter(e -> "sync_standby".equals(e.get("role")) && "streaming".equals(e.get("state")))
                .map(e -> String.valueOf(e.get("name"))).toList()).orElse(List.of());
    }

    private List<String> quorumStandbys() {
        return cluster.clusterView().map(v -> TestCluster.entries(v).values().stream()
                .filter(e -> "quorum_standby".equals(e.get("role")) && "streaming".equals(e.get("state")))
                .map(e -> String.valueOf(e.get("name"))).toList()).orElse(List.of());
    }

    private ClusterMember awaitSyncStandby() {
        return Waits.await("exactly one streaming synchronous standby in /cluster", Waits.seconds(60), () -> {
            List<String> s = syncStandbys();
            return s.size() == 1 ? Optional.of(cluster.member(s.get(0))) : Optional.empty();
        }, () -> TestCluster.summary(cluster.clusterView()));
    }

    private static Set<Long> ids(ClusterMember m) throws SQLException {
        Set<Long> out = new HashSet<>();
        try (Connection c = m.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id FROM " + TABLE)) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** Inserts one row per commit on one connection and records each id PostgreSQL acknowledged. */
    private static final class Writer implements Runnable {
        final ClusterMember target;
        final ConcurrentLinkedQueue<Long> acked = new ConcurrentLinkedQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<String> error = new AtomicReference<>("none");
        volatile long next;

        Writer(ClusterMember target, long first) {
            this.target = target;
            this.next = first;
        }

        @Override
        public void run() {
            try (Connection c = target.connect();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " VALUES (?)")) {
                c.setAutoCommit(true);
                ps.setQueryTimeout(30);
                while (!stop.get()) {
                    ps.setLong(1, next);
                    ps.executeUpdate();
                    acked.add(next);
                    next++;
                }
            } catch (SQLException | RuntimeException e) {
                // the primary died under the writer: everything not acknowledged by then is allowed to be lost
                error.set(e.toString());
            }
        }
    }

    private void report(String format, Object... args) {
        System.out.println("it: [" + getClass().getSimpleName() + "] "
                + String.format(java.util.Locale.ROOT, format, args));
    }
}
