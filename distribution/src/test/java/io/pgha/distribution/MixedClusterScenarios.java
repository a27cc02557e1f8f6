package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.ContinuousWriter;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A cluster of real Patroni 3.0.2 agents (Debian's {@code patroni}) and pgha agents in one scope, which is how a
 * Patroni user migrates: a three-member Patroni cluster has its members replaced by pgha one at a time, each pgha
 * agent taking over the Patroni member's name, configuration file and data directory as they are (no rebuild), the
 * lead handed to pgha by {@code patronictl switchover}, while a client writes all the time through a multi-host JDBC
 * URL; its longest outage must stay within one switchover. Then the other way round: a new Patroni member joins the
 * pgha cluster as a replica (cloned from the pgha primary) and another pgha member goes back to Patroni on its own
 * data directory; the new Patroni member takes over when the pgha primary is killed, and the others follow it (the
 * killed one after a pg_rewind); when that Patroni primary is stopped a pgha member takes over, and pgha replaces
 * Patroni on both members again.
 *
 * <p>The scenarios run in order on one cluster; each one starts from where the previous one left it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class MixedClusterScenarios {
    /** Slack on top of one failover for the longest write outage: JVM start-up and a busy 2-core machine. */
    private static final double OUTAGE_SLACK_SECONDS = 15;

    private DcsFixture dcs;
    private TestCluster cluster;
    private ClusterMember newcomer;
    /** The member that goes back from pgha to Patroni for a while. */
    private ClusterMember returnee;
    private ContinuousWriter writer;
    private boolean anyFailure;
    /** How long each switchover and failover took, lock to lock, as the test saw it. */
    private final List<Double> handovers = new ArrayList<>();

    /** The DCS this subclass runs the mixed cluster on. */
    protected abstract DcsFixture startDcs();

    @RegisterExtension
    final TestWatcher diagnosticsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            anyFailure = true;
            report("FAILED %s: %s", context.getDisplayName(), cause);
            if (writer != null) {
                report("writer: %s", writer);
            }
            if (cluster != null) {
                System.out.println(cluster.diagnostics());
            }
        }
    };

    @BeforeAll
    void start() {
        assertTrue(Files.isExecutable(ClusterMember.PATRONI), "patroni is missing: apt-get install patroni");
        dcs = startDcs();
        cluster = TestCluster.create(dcs, "mixed-" + dcs.name(), 3);
        // configured now so that the writer's multi-host URL names its port from the start
        newcomer = cluster.addExtraMember("n4");
    }

    @AfterAll
    void stop() {
        if (writer != null) {
            writer.close();
            report("writer at the end: %s", writer);
        }
        try {
            if (cluster != null) {
                if (anyFailure) {
                    cluster.keepFiles();
                }
                cluster.close();
            }
        } finally {
            if (dcs != null) {
                dcs.close();
            }
        }
    }

    private void report(String format, Object... args) {
        System.out.println("it: [mixed " + (dcs == null ? "?" : dcs.name()) + "] " + String.format(format, args));
    }

    private List<ClusterMember> all() {
        List<ClusterMember> all = new ArrayList<>(cluster.members());
        all.add(newcomer);
        return all;
    }

    /**
     * Waits until {@code group} is one cluster: every member is listed in {@code /cluster}, one of them holds the
     * lock and runs as a primary, and every other one streams from it (by the primary's own pg_stat_replication,
     * which does not depend on how either agent reports its state). Returns the primary.
     */
    private ClusterMember awaitOneCluster(List<ClusterMember> group, Duration timeout) {
        Set<String> names = group.stream().map(ClusterMember::name).collect(Collectors.toSet());
        return Waits.await(group + " form one cluster, every replica streaming from the lock holder", timeout, () -> {
            Optional<java.util.Map<String, Object>> view = cluster.clusterView(group);
            if (view.isEmpty() || !TestCluster.entries(view.get()).keySet().containsAll(names)) {
                return Optional.empty();
            }
            Optional<ClusterMember> leader = TestCluster.leaderName(view.get()).filter(names::contains)
                    .map(cluster::member);
            if (leader.isEmpty() || !leader.get().queryValue("SELECT pg_is_in_recovery()").equals(Optional.of("f"))) {
                return Optional.empty();
            }
            String expected = names.stream().filter(n -> !n.equals(leader.get().name())).sorted()
                    .collect(Collectors.joining(","));
            Optional<String> streaming = leader.get().queryValue("SELECT coalesce(string_agg(application_name, ',' "
                    + "ORDER BY application_name), '') FROM pg_stat_replication WHERE state = 'streaming'");
            return streaming.filter(expected::equals).isPresent() ? leader : Optional.empty();
        }, () -> TestCluster.summary(cluster.clusterView(group)) + " / " + group.stream()
                .map(m -> m.name() + ": " + m.agentLogTail(3)).collect(Collectors.joining("\n")));
    }

    /** Which agent runs a member, from its {@code /patroni} answer: Patroni 3.0.2 or pgha. */
    private static String agentOf(ClusterMember m) {
        return m.patroni().map(p -> p.get("patroni")).filter(java.util.Map.class::isInstance)
                .map(p -> String.valueOf(((java.util.Map<?, ?>) p).get("version"))).map(v -> v.startsWith("3.0.")
                        ? "Patroni " + v : "pgha (reports " + v + ")").orElse("(no answer)");
    }

    /** Stops whatever agent runs {@code m} with SIGTERM, which stops its PostgreSQL cleanly too. */
    private static void stopAgentAndPostgres(ClusterMember m) {
        assertTrue(m.stopAgent(Duration.ofSeconds(60)), m + "'s agent did not stop on SIGTERM within 60 s");
        Waits.awaitTrue(m + "'s PostgreSQL is stopped", Waits.seconds(30), () -> m.postmasterPid().isEmpty(),
                () -> m.describe());
    }

    @Test
    @Order(1)
    void aPatroniClusterBootstraps() throws SQLException {
        long t0 = System.nanoTime();
        for (ClusterMember m : cluster.members()) {
            m.startPatroni();
        }
        ClusterMember leader = awaitOneCluster(cluster.members(), Waits.seconds(180));
        for (ClusterMember m : cluster.members()) {
            assertTrue(agentOf(m).startsWith("Patroni 3.0."), m + " runs " + agentOf(m));
        }
        report("Patroni 3.0.2 cluster: leader %s, two streaming replicas after %s", leader,
                Waits.fmt(Waits.secondsSince(t0)));
        writer = ContinuousWriter.start(leader, all());
        writer.awaitProgress(20, Waits.seconds(30));
    }

    @Test
    @Order(2)
    void pghaReplacesEachPatroniReplicaOnItsOwnDataDirectory() {
        ClusterMember leader = awaitOneCluster(cluster.members(), Waits.seconds(30));
        for (ClusterMember m : cluster.others(leader)) {
            long t0 = System.nanoTime();
            stopAgentAndPostgres(m);
            m.start();
            ClusterMember still = awaitOneCluster(cluster.members(), Waits.seconds(90));
            assertEquals(leader, still, "replacing a replica moved the lock");
            assertTrue(agentOf(m).startsWith("pgha"), m + " runs " + agentOf(m));
            report("%s: Patroni replaced by pgha on the same data directory, streaming from Patroni's %s after %s",
                    m, leader, Waits.fmt(Waits.secondsSince(t0)));
            writer.awaitProgress(10, Waits.seconds(30));
        }
        // the pgha members see the Patroni leader and each other in the same key layout
        String summary = TestCluster.summary(cluster.clusterView(cluster.others(leader)));
        assertTrue(summary.contains(leader.name() + "=leader"), summary);
        report("mixed cluster as pgha shows it: %s", summary);
        // and Patroni reads the pgha members' keys: their state, and their WAL position as a lag in bytes
        java.util.Map<String, java.util.Map<String, Object>> patroniView = TestCluster.entries(leader.cluster()
                .orElseThrow(() -> new AssertionError("Patroni's " + leader + " does not answer GET /cluster")));
        report("mixed cluster as Patroni shows it: %s", patroniView.values());
        for (ClusterMember m : cluster.others(leader)) {
            java.util.Map<String, Object> e = patroniView.get(m.name());
            assertTrue(e != null && "replica".equals(e.get("role")) && "running".equals(e.get("state"))
                    && e.get("lag") instanceof Number, "Patroni's /cluster entry of pgha's " + m + ": " + e);
        }
    }

    @Test
    @Order(3)
    void aSwitchoverHandsTheLeadToPghaAndTheLastPatroniMemberIsReplaced() throws SQLException {
        ClusterMember patroniLeader = awaitOneCluster(cluster.members(), Waits.seconds(30));
        ClusterMember candidate = cluster.others(patroniLeader).get(0);
        long t0 = System.nanoTime();
        // Patroni's own tool asks Patroni's leader, which checks the pgha candidate through its REST API, writes the
        // failover key, demotes itself; pgha reads the key and takes the lock
        patronictl(patroniLeader, "switchover", "--leader", patroniLeader.name(), "--candidate", candidate.name(),
                "--force");
        Waits.awaitTrue("pgha's " + candidate + " holds the lock and runs as primary", Waits.seconds(90),
                () -> cluster.clusterView().flatMap(TestCluster::leaderName).equals(Optional.of(candidate.name()))
                        && candidate.queryValue("SELECT pg_is_in_recovery()").equals(Optional.of("f")),
                () -> TestCluster.summary(cluster.clusterView()) + "\n" + patroniLeader.agentLogTail(15));
        double switchover = Waits.secondsSince(t0);
        handovers.add(switchover);
        awaitOneCluster(cluster.members(), Waits.seconds(90));
        report("patronictl switchover from Patroni's %s to pgha's %s: %s", patroniLeader, candidate,
                Waits.fmt(switchover));
        stopAgentAndPostgres(patroniLeader);
        patroniLeader.start();
        awaitOneCluster(cluster.members(), Waits.seconds(120));
        report("%s: Patroni replaced by pgha on the same data directory, follows %s; the cluster is all pgha now",
                patroniLeader, candidate);
        writer.awaitProgress(20, Waits.seconds(30));
        assertOutagesWithinOneHandover("the migration");
        List<Long> lost = lostWrites(candidate, writer.acknowledged());
        assertEquals(List.of(), lost, "acknowledged writes missing after the migration");
        report("all %d acknowledged writes are on the new primary", writer.acknowledged().size());
    }

    /** Every write outage so far lasted at most the longest switchover or failover measured plus some slack. */
    private void assertOutagesWithinOneHandover(String when) {
        List<ContinuousWriter.Outage> outages = writer.outages();
        double longest = writer.longestOutageSeconds();
        double handover = handovers.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        report("write outages during %s: %s; longest %s; switchovers and failovers took %s", when,
                outages.stream().map(o -> Waits.fmt(o.seconds())).toList(), Waits.fmt(longest),
                handovers.stream().map(Waits::fmt).toList());
        assertTrue(longest <= handover + OUTAGE_SLACK_SECONDS, "writes stopped for " + Waits.fmt(longest)
                + ", longer than one switchover or failover (" + Waits.fmt(handover) + ") plus "
                + OUTAGE_SLACK_SECONDS + " s; outages " + outages);
    }

    private static String patronictl(ClusterMember configOf, String... args) {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/patronictl", "-c", configOf.configFile().toString()));
        argv.addAll(List.of(args));
        Procs.Result r = Procs.run(Duration.ofSeconds(120), argv, null);
        assertEquals(0, r.exitCode(), "patronictl " + String.join(" ", args) + " failed:\n" + r.output());
        return r.output();
    }

    /** The acknowledged ids that {@code primary} does not have. */
    private static List<Long> lostWrites(ClusterMember primary, List<Long> acknowledged) throws SQLException {
        Set<Long> present = new HashSet<>();
        try (Connection c = primary.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM " + ContinuousWriter.TABLE)) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        }
        return acknowledged.stream().filter(id -> !present.contains(id)).toList();
    }

    @Test
    @Order(4)
    void aPatroniAgentJoinsThePghaClusterAsAReplica() throws IOException {
        ClusterMember leader = awaitOneCluster(cluster.members(), Waits.seconds(30));
        long t0 = System.nanoTime();
        newcomer.startPatroni();
        awaitOneCluster(all(), Waits.seconds(120));
        assertTrue(agentOf(newcomer).startsWith("Patroni 3.0."), newcomer + " runs " + agentOf(newcomer));
        report("Patroni %s cloned from pgha's %s and streams after %s", newcomer, leader,
                Waits.fmt(Waits.secondsSince(t0)));
        // so that the next failover has exactly one candidate, the new Patroni member, the replicas are restarted
        // with nofailover, which both agents read from the member keys: one of them under pgha again, the other
        // one under Patroni, on the data directory pgha ran (the migration, backwards)
        returnee = cluster.others(leader).get(0);
        for (ClusterMember m : cluster.others(leader)) {
            Files.writeString(m.configFile(), "tags: {nofailover: true}\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            stopAgentAndPostgres(m);
            if (m == returnee) {
                m.startPatroni();
            } else {
                m.start();
            }
        }
        assertEquals(leader, awaitOneCluster(all(), Waits.seconds(120)), "restarting replicas moved the lock");
        assertTrue(agentOf(returnee).startsWith("Patroni 3.0."), returnee + " runs " + agentOf(returnee));
        report("%s: pgha replaced by Patroni on the same data directory, streaming from pgha's %s", returnee, leader);
    }

    @Test
    @Order(5)
    void patroniTakesOverWhenThePghaLeaderIsKilledAndPghaFollowsIt() throws SQLException {
        ClusterMember leader = awaitOneCluster(all(), Waits.seconds(30));
        int acknowledgedBefore = writer.acknowledged().size();
        long t0 = System.nanoTime();
        // the agent first, so that it cannot restart its PostgreSQL; then the postmaster, without a shutdown
        leader.killAgent();
        assertTrue(leader.awaitAgentExit(Duration.ofSeconds(10)));
        long postmaster = leader.postmasterPid().orElseThrow();
        Procs.signal(postmaster, Procs.Sig.KILL);
        assertTrue(Procs.awaitDeath(postmaster, Duration.ofSeconds(10)));
        List<ClusterMember> survivors = all().stream().filter(m -> m != leader).toList();
        ClusterMember patroniLeader = Waits.await("Patroni's " + newcomer + " holds the lock and runs as primary",
                Waits.seconds(120), () -> cluster.clusterView(survivors).flatMap(TestCluster::leaderName)
                        .filter(newcomer.name()::equals).map(cluster::member)
                        .filter(m -> m.queryValue("SELECT pg_is_in_recovery()").equals(Optional.of("f"))),
                () -> TestCluster.summary(cluster.clusterView(survivors)) + "\n" + newcomer.agentLogTail(15));
        double failover = Waits.secondsSince(t0);
        report("pgha leader %s killed; Patroni %s leads after %s (ttl %d s)", leader, patroniLeader,
                Waits.fmt(failover), TestCluster.TTL);
        awaitOneCluster(survivors, Waits.seconds(90));
        report("the other members (pgha, and Patroni on a data directory pgha ran) follow Patroni's %s", patroniLeader);
        // the killed pgha member comes back: its timeline forked, so it has to rewind before it can follow
        leader.start();
        awaitOneCluster(all(), Waits.seconds(150));
        report("%s rejoined as a replica of Patroni's %s", leader, patroniLeader);
        writer.awaitProgress(20, Waits.seconds(30));
        List<Long> lost = lostWrites(patroniLeader,
                writer.acknowledged().subList(acknowledgedBefore, writer.acknowledged().size()));
        // asynchronous replication: a primary killed without a shutdown may take its last commits with it
        report("write outages so far: %s; %d writes acknowledged by the killed primary were not replicated in time",
                writer.outages().stream().map(o -> Waits.fmt(o.seconds())).toList(), lost.size());
    }

    @Test
    @Order(6)
    void pghaTakesOverWhenThePatroniLeaderStopsAndReplacesIt() throws SQLException {
        ClusterMember patroniLeader = awaitOneCluster(all(), Waits.seconds(30));
        assertEquals(newcomer, patroniLeader);
        int acknowledgedBefore = writer.acknowledged().size();
        int outagesBefore = writer.outages().size();
        long t0 = System.nanoTime();
        // the rejoined pgha member is the one without nofailover: it takes the key Patroni deletes on its way out
        stopAgentAndPostgres(patroniLeader);
        ClusterMember pghaLeader = Waits.await("a pgha member holds the lock and runs as primary", Waits.seconds(90),
                () -> cluster.clusterView().flatMap(TestCluster::leaderName).map(cluster::member)
                        .filter(m -> m.queryValue("SELECT pg_is_in_recovery()").equals(Optional.of("f"))),
                () -> TestCluster.summary(cluster.clusterView()));
        double failover = Waits.secondsSince(t0);
        report("Patroni leader %s stopped; pgha %s leads after %s", patroniLeader, pghaLeader, Waits.fmt(failover));
        patroniLeader.start();
        awaitOneCluster(all(), Waits.seconds(120));
        report("%s: Patroni replaced by pgha on the data directory Patroni cloned", patroniLeader);
        stopAgentAndPostgres(returnee);
        returnee.start();
        awaitOneCluster(all(), Waits.seconds(120));
        for (ClusterMember m : all()) {
            assertTrue(agentOf(m).startsWith("pgha"), m + " runs " + agentOf(m));
        }
        report("%s: Patroni replaced by pgha again; all four members run pgha", returnee);
        writer.awaitProgress(20, Waits.seconds(30));
        List<ContinuousWriter.Outage> outages = writer.outages();
        double longest = outages.subList(outagesBefore, outages.size()).stream()
                .mapToDouble(ContinuousWriter.Outage::seconds).max().orElse(0);
        report("write outages in this step: %s", outages.subList(outagesBefore, outages.size()).stream()
                .map(o -> Waits.fmt(o.seconds())).toList());
        assertTrue(longest <= failover + OUTAGE_SLACK_SECONDS, "writes stopped for " + Waits.fmt(longest)
                + ", longer than the failover (" + Waits.fmt(failover) + ") plus " + OUTAGE_SLACK_SECONDS + " s");
        assertEquals(List.of(), lostWrites(pghaLeader,
                writer.acknowledged().subList(acknowledgedBefore, writer.acknowledged().size())),
                "acknowledged writes lost although Patroni stopped its primary cleanly");
    }
}
