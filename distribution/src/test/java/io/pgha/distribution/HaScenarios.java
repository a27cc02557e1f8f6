package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.WritabilitySampler;
import io.pgha.spi.json.Json;
import io.pgha.testkit.Timing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * End-to-end HA scenarios on a real three-member cluster: {@code bin/pgha agent} processes from the laid-out
 * distribution, real PostgreSQL 15 and a real DCS (one subclass per DCS). One cluster serves all scenarios of a
 * class, in order; each scenario starts by bringing it back to health (all agents running, one leader, two
 * streaming replicas), so a failed scenario does not cascade.
 *
 * <p>Safety is asserted (never two writable primaries, fencing before the lock can expire, refusal of a foreign
 * data directory); timing goals are printed as {@code it: [dcs] ...} lines and only bounded generously.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class HaScenarios {
    private static final int TTL = TestCluster.TTL;
    private static final int LOOP_WAIT = TestCluster.LOOP_WAIT;
    private static final int RETRY_TIMEOUT = TestCluster.RETRY_TIMEOUT;
    private static final String ROWS = "it_rows";
    private static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");

    private DcsFixture dcs;
    private TestCluster cluster;
    private boolean anyFailure;

    /** Starts the DCS server this subclass tests against. */
    protected abstract DcsFixture startDcs();

    /** The running cluster, for scenarios a subclass adds for its own DCS. */
    protected final TestCluster cluster() {
        return cluster;
    }

    /** The DCS fixture {@link #startDcs()} returned. */
    protected final DcsFixture dcs() {
        return dcs;
    }

    /** Prints an {@code it: [dcs] ...} line. */
    /** Why a backend's class may leave out the scenarios that prove engine behaviour only. */
    protected static final String ENGINE_LEVEL = "engine-level: the supervisor's fencing of a frozen agent and the"
            + " refusal of a foreign data directory do not depend on the DCS; proven on etcd and ZooKeeper (EtcdHaIT,"
            + " ZooKeeperHaIT) and left out on this backend to keep CI short";

    protected final void reportLine(String format, Object... args) {
        report(format, args);
    }

    @RegisterExtension
    final TestWatcher diagnosticsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            anyFailure = true;
            System.out.println("it: [" + dcsName() + "] FAILED " + context.getDisplayName() + ": " + cause);
            if (cluster != null) {
                System.out.println(cluster.diagnostics());
            }
        }
    };

    @BeforeAll
    void startCluster() throws Exception {
        dcs = startDcs();
        try {
            cluster = TestCluster.create(dcs, "it-" + dcs.name(), 3);
            long start = System.nanoTime();
            cluster.startAll();
            ClusterMember leader = cluster.awaitHealthy(Waits.seconds(150));
            report("three-node bootstrap: leader %s, two streaming replicas after %s", leader,
                    Waits.fmt(Waits.secondsSince(start)));
            leader.execute("CREATE TABLE IF NOT EXISTS " + ROWS + " (marker text PRIMARY KEY, "
                    + "at timestamptz NOT NULL DEFAULT clock_timestamp())");
            WritabilitySampler.createTable(leader);
        } catch (Throwable t) {
            anyFailure = true;
            System.out.println("it: [" + dcsName() + "] cluster start failed: " + t);
            if (cluster != null) {
                System.out.println(cluster.diagnostics());
            }
            throw t;
        }
    }

    @AfterAll
    void stopCluster() {
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

    /** Every scenario starts from a healthy cluster, whatever the previous one left behind. */
    @BeforeEach
    void restoreHealth(TestInfo info) {
        if (!dcs.isRunning()) {
            dcs.start();
        }
        for (ClusterMember m : cluster.members()) {
            if (m.isFrozen()) {
                m.sigcont();
            }
            if (!m.agentAlive()) {
                m.start();
            }
        }
        cluster.awaitHealthy(Waits.seconds(150));
        System.out.println("it: [" + dcsName() + "] ---- " + info.getDisplayName() + " (cluster: "
                + TestCluster.summary(cluster.clusterView()) + ")");
    }

    // ---------------------------------------------------------------- 1. bootstrap

    @Test
    @Order(1)
    void bootstrapsThreeNodesWithStreamingReplicas() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(30));
        List<ClusterMember> replicas = cluster.others(leader);

        String marker = "bootstrap-" + UUID.randomUUID();
        leader.execute("INSERT INTO " + ROWS + " (marker) VALUES (?)", marker);
        for (ClusterMember r : replicas) {
            awaitRowCount(r, marker, 1, Waits.seconds(30));
        }

        for (ClusterMember m : cluster.members()) {
            boolean isLeader = m == leader;
            assertEquals(isLeader ? 200 : 503, m.healthCheck("/primary"), "OPTIONS /primary on " + m);
            assertEquals(isLeader ? 503 : 200, m.healthCheck("/replica"), "OPTIONS /replica on " + m);
        }

        String prefix = dcs.storeKey(cluster.keyPrefix());
        SortedMap<String, String> tree = dcs.readTree(prefix);
        report("DCS keys under %s: %s", prefix, tree.keySet());
        for (String key : List.of("leader", "initialize", "config", "status")) {
            assertTrue(tree.containsKey(prefix + key), "key " + prefix + key + " missing; keys: " + tree.keySet());
        }
        assertEquals(leader.name(), tree.get(prefix + "leader").strip(), "leader key value");

        String sysid = String.valueOf(leader.patroni().orElseThrow().get("database_system_identifier"));
        assertTrue(tree.get(prefix + "initialize").strip().matches("\\d{10,}"), "initialize holds the system id");
        assertEquals(sysid, tree.get(prefix + "initialize").strip(), "initialize = the leader's system identifier");

        Map<String, Object> config = Json.parseObject(tree.get(prefix + "config"));
        assertEquals(TTL, ((Number) config.get("ttl")).intValue(), "config.ttl: " + config);
        assertEquals(LOOP_WAIT, ((Number) config.get("loop_wait")).intValue(), "config.loop_wait: " + config);
        assertEquals(RETRY_TIMEOUT, ((Number) config.get("retry_timeout")).intValue(), "config.retry_timeout: " + config);

        Map<String, Object> status = Json.parseObject(tree.get(prefix + "status"));
        assertTrue(status.get("optime") instanceof Number n && n.longValue() > 0, "status.optime: " + status);

        for (ClusterMember m : cluster.members()) {
            String key = prefix + "members/" + m.name();
            assertTrue(tree.containsKey(key), "member key " + key + " missing; keys: " + tree.keySet());
            Map<String, Object> rec = Json.parseObject(tree.get(key));
            assertEquals("postgres://127.0.0.1:" + m.pgPort() + "/postgres", rec.get("conn_url"), key + ": " + rec);
            assertEquals("http://127.0.0.1:" + m.restPort() + "/patroni", rec.get("api_url"), key + ": " + rec);
            assertEquals("running", rec.get("state"), key + ": " + rec);
            assertEquals(m == leader ? "primary" : "replica", rec.get("role"), key + ": " + rec);
        }
    }

    // ---------------------------------------------------------------- 7. switchover (run early: it leaves a healthy cluster)

    @Test
    @Order(2)
    void switchoverThroughRestApi() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        ClusterMember candidate = cluster.others(oldLeader).get(0);
        long mark = oldLeader.logSize();
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            sampler.awaitAccepted(oldLeader, Waits.seconds(10));

            long start = System.nanoTime();
            ClusterMember.Answer answer = oldLeader.post("/switchover",
                    Map.of("leader", oldLeader.name(), "candidate", candidate.name()), Waits.seconds(90));
            double callTook = Waits.secondsSince(start);
            assertEquals(200, answer.status(), "POST /switchover answered: " + answer.body());
            assertEquals("Successfully switched over to \"" + candidate.name() + "\"", answer.body().strip());

            ClusterMember newLeader = cluster.awaitNewPrimary(oldLeader, Waits.seconds(30));
            assertEquals(candidate, newLeader, "the candidate leads");
            double primaryAfter = Waits.secondsSince(start);
            cluster.awaitStreaming(oldLeader, Waits.seconds(90));
            double streamingAfter = Waits.secondsSince(start);
            sampler.awaitAccepted(newLeader, Waits.seconds(10));
            sampler.stop();

            report("switchover %s -> %s: REST call took %s, new primary after %s, old leader streaming after %s; %s",
                    oldLeader, candidate, Waits.fmt(callTook), Waits.fmt(primaryAfter), Waits.fmt(streamingAfter),
                    sampler.summary());
            sampler.assertNeverTwoWritable();
        }
        String log = oldLeader.logSince(mark);
        assertFalse(log.contains("pg_rewind"), "a switchover must not need pg_rewind; " + oldLeader + " logged:\n"
                + grep(log, "rewind"));
    }

    // ---------------------------------------------------------------- 4. graceful stop

    @Test
    @Order(3)
    void gracefulLeaderStopHandsOverBeforeTtl() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            sampler.awaitAccepted(oldLeader, Waits.seconds(10));

            long start = System.nanoTime();
            oldLeader.sigterm();
            ClusterMember lockHolder = cluster.awaitLockMovedFrom(oldLeader, Waits.seconds(TTL + 15));
            double lockAfter = Waits.secondsSince(start);
            ClusterMember newPrimary = cluster.awaitNewPrimary(oldLeader, Waits.seconds(30));
            double primaryAfter = Waits.secondsSince(start);
            sampler.awaitAccepted(newPrimary, Waits.seconds(15));
            double writableAfter = Waits.secondsSince(start);
            assertTrue(oldLeader.awaitAgentExit(Waits.seconds(60)), oldLeader + "'s agent did not exit after SIGTERM");
            double exitedAfter = Waits.secondsSince(start);
            report("graceful stop of %s: lock held by %s after %s (bound ttl/2 = %d s), primary after %s, writable after %s, "
                    + "old agent exited after %s", oldLeader, lockHolder, Waits.fmt(lockAfter), TTL / 2,
                    Waits.fmt(primaryAfter), Waits.fmt(writableAfter), Waits.fmt(exitedAfter));
            assertEquals(lockHolder, newPrimary);
            assertTrue(lockAfter < TTL / 2.0 * Timing.current().multiplier(),
                    "a replica should hold the lock well before the TTL: took " + Waits.fmt(lockAfter));

            long mark = oldLeader.logSize();
            long restart = System.nanoTime();
            oldLeader.start();
            cluster.awaitStreaming(oldLeader, Waits.seconds(90));
            report("%s restarted and streaming after %s (pg_rewind used: %s)", oldLeader,
                    Waits.fmt(Waits.secondsSince(restart)), oldLeader.logSince(mark).contains("pg_rewind"));
            sampler.stop();
            report("graceful stop sampling: %s", sampler.summary());
            sampler.assertNeverTwoWritable();
        }
    }

    // ---------------------------------------------------------------- 2a. crash of agent and postmaster

    @Test
    @Order(4)
    void crashOfLeaderAgentAndPostmasterFailsOverToOneReplica() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        long oldTimeline = oldLeader.timeline();
        assertTrue(oldTimeline > 0, "timeline of " + oldLeader + " from /patroni");
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            sampler.awaitAccepted(oldLeader, Waits.seconds(10));
            long postmaster = oldLeader.postmasterPid().orElseThrow(() -> new AssertionError("no postmaster pid"));

            long start = System.nanoTime();
            Procs.signal(oldLeader.agentPid(), Procs.Sig.KILL);
            Procs.signal(postmaster, Procs.Sig.KILL);
            assertTrue(oldLeader.awaitAgentExit(Duration.ofSeconds(10)), "agent survived SIGKILL");
            assertTrue(Procs.awaitDeath(postmaster, Duration.ofSeconds(10)), "postmaster survived SIGKILL");

            ClusterMember newLeader = cluster.awaitNewPrimary(oldLeader, Waits.seconds(TTL + 30));
            double failoverTook = Waits.secondsSince(start);
            long primaries = cluster.others(oldLeader).stream()
                    .filter(m -> m.role().filter("primary"::equals).isPresent()).count();
            assertEquals(1, primaries, "exactly one replica promoted: " + TestCluster.summary(cluster.clusterView()));
            Waits.awaitTrue("timeline of the new leader is " + (oldTimeline + 1), Waits.seconds(15),
                    () -> newLeader.timeline() == oldTimeline + 1, () -> "timeline " + newLeader.timeline());
            String marker = "after-crash-" + UUID.randomUUID();
            newLeader.execute("INSERT INTO " + ROWS + " (marker) VALUES (?)", marker);
            sampler.awaitAccepted(newLeader, Waits.seconds(15));
            report("crash failover took %s (%s -> %s, timeline %d -> %d)", Waits.fmt(failoverTook), oldLeader,
                    newLeader, oldTimeline, newLeader.timeline());

            long mark = oldLeader.logSize();
            long restart = System.nanoTime();
            oldLeader.start();
            cluster.awaitStreaming(oldLeader, Waits.seconds(120));
            awaitRowCount(oldLeader, marker, 1, Waits.seconds(30));
            report("crashed leader %s rejoined as a streaming replica after %s (pg_rewind used: %s)", oldLeader,
                    Waits.fmt(Waits.secondsSince(restart)), oldLeader.logSince(mark).contains("pg_rewind"));
            sampler.stop();
            report("crash sampling: %s", sampler.summary());
            sampler.assertNeverTwoWritable();
        }
    }

    // ---------------------------------------------------------------- 2b. agent-only kill: the fencing supervisor

    @Test
    @Order(5)
    void agentOnlyKillIsFencedBySupervisorAndOrphanWithoutOneIsRewound() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        long postmaster = oldLeader.postmasterPid().orElseThrow(() -> new AssertionError("no postmaster pid"));
        assertTrue(oldLeader.fencerPid().isPresent(), "a fencing supervisor runs beside " + oldLeader);

        // 1. kill -9 of the agent alone: its fencing supervisor stops the postmaster before the lock can expire
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            long start = System.nanoTime();
            oldLeader.killAgent();
            assertTrue(oldLeader.awaitAgentExit(Duration.ofSeconds(10)), "agent survived SIGKILL");
            assertTrue(Procs.awaitDeath(postmaster, Waits.seconds(TTL + 5)), "the supervisor fenced " + postmaster);
            double fencedAfter = Waits.secondsSince(start);
            ClusterMember newLeader = cluster.awaitNewPrimary(oldLeader, Waits.seconds(TTL + 30));
            double promotedAfter = Waits.secondsSince(start);
            sampler.stop();
            sampler.assertNeverTwoWritable();
            report("agent-only kill of %s: its fencing supervisor stopped PostgreSQL after %s, %s promoted after %s; "
                    + "never two writable (%s)", oldLeader, Waits.fmt(fencedAfter), newLeader,
                    Waits.fmt(promotedAfter), sampler.summary());
        }
        oldLeader.start();
        cluster.awaitStreaming(oldLeader, Waits.seconds(120));

        // 2. kill -9 of an agent AND its supervisor: the double fault nothing on the host can cover. The orphaned
        // postmaster keeps running; the sampler must see the split brain (a self-check of the harness), and the old
        // primary rejoins through pg_rewind once an agent returns.
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(60));
        long orphan = leader.postmasterPid().orElseThrow(() -> new AssertionError("no postmaster pid"));
        long start = System.nanoTime();
        // the agent is frozen first: a running agent would notice its dead supervisor and start a new one
        leader.sigstop();
        leader.killFencer();
        leader.killAgent();
        assertTrue(leader.awaitAgentExit(Duration.ofSeconds(10)), "agent survived SIGKILL");
        ClusterMember newLeader = cluster.awaitNewPrimary(leader, Waits.seconds(TTL + 30));
        report("agent and supervisor kill of %s: %s promoted after %s", leader, newLeader,
                Waits.fmt(Waits.secondsSince(start)));
        ClusterMember third = cluster.others(leader).stream().filter(m -> m != newLeader).findFirst().orElseThrow();
        Waits.awaitTrue(third + " streams from the new leader " + newLeader, Waits.seconds(60),
                () -> newLeader.queryValue("SELECT count(*) FROM pg_stat_replication WHERE application_name = ? "
                        + "AND state = 'streaming'", third.name()).filter("1"::equals).isPresent(),
                () -> TestCluster.summary(cluster.clusterView()));
        assertTrue(Procs.alive(orphan), "the orphaned postmaster " + orphan + " should still run");
        String isolated = "isolated-" + UUID.randomUUID();
        leader.execute("INSERT INTO " + ROWS + " (marker) VALUES (?)", isolated);
        assertEquals(Optional.of(0L), rowCount(newLeader, isolated), "the isolated write must not reach the new leader");

        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            Waits.awaitTrue("the writability sampler sees both the orphaned and the new primary accept writes",
                    Waits.seconds(15), () -> sampler.rounds().stream().anyMatch(r -> r.accepted().size() > 1),
                    sampler::recentRounds);
            sampler.stop();
            AssertionError detected = null;
            try {
                sampler.assertNeverTwoWritable();
            } catch (AssertionError e) {
                detected = e;
            }
            assertTrue(detected != null, "assertNeverTwoWritable() must fail on a split brain");
            report("sampler self-check: the split brain was detected (%s)", sampler.summary());
        }

        Procs.signal(orphan, Procs.Sig.KILL);
        assertTrue(Procs.awaitDeath(orphan, Duration.ofSeconds(10)), "postmaster survived SIGKILL");
        long mark = leader.logSize();
        long restart = System.nanoTime();
        leader.start();
        cluster.awaitStreaming(leader, Waits.seconds(120));
        double rejoined = Waits.secondsSince(restart);
        String log = leader.logSince(mark);
        report("orphaned old primary %s rejoined as a streaming replica %s after its agent restarted", leader,
                Waits.fmt(rejoined));
        assertTrue(log.contains("pg_rewind"), leader + " diverged (it committed a row the new leader does not have) "
                + "and must rejoin through pg_rewind; its log since the restart:\n" + tailOf(log, 60));

        String after = "after-rewind-" + UUID.randomUUID();
        newLeader.execute("INSERT INTO " + ROWS + " (marker) VALUES (?)", after);
        awaitRowCount(leader, after, 1, Waits.seconds(30));
        assertEquals(Optional.of(0L), rowCount(leader, isolated), "pg_rewind must have discarded the isolated write");
        assertEquals(Optional.of(0L), rowCount(newLeader, isolated), "the isolated write must not be on the new leader");
    }

    // ---------------------------------------------------------------- 3. frozen agent

    @Test
    @Order(6)
    void frozenLeaderAgentIsFencedReplacedAndRejoinsOnResume() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        ClusterMember newLeader;
        double takeover;
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            long start = System.nanoTime();
            oldLeader.sigstop();
            // (if this fails, the next scenario's restoreHealth continues the frozen agent)
            newLeader = cluster.awaitNewPrimary(oldLeader, Waits.seconds(TTL + 15));
            takeover = Waits.secondsSince(start);
            sampler.stop();
            // the frozen agent cannot fence, but its supervisor, a separate process, did
            sampler.assertNeverTwoWritable();
            assertTrue(!oldLeader.tryExecute("INSERT INTO " + ROWS + " (marker) VALUES (?)",
                    "while-frozen-" + UUID.randomUUID()), oldLeader + " refuses writes while its agent is frozen");
            report("frozen agent on %s: its supervisor fenced PostgreSQL and %s took over after %s; never two "
                    + "writable (%s)", oldLeader, newLeader, Waits.fmt(takeover), sampler.summary());
        }

        long resumed = System.nanoTime();
        oldLeader.sigcont();
        Waits.awaitTrue(oldLeader + "'s /patroni role is no longer primary", Waits.seconds(LOOP_WAIT + 8),
                () -> oldLeader.role().filter(r -> !r.equals("primary")).isPresent(),
                () -> "/patroni " + oldLeader.patroni().orElse(Map.of()));
        double roleAfter = Waits.secondsSince(resumed);
        cluster.awaitStreaming(oldLeader, Waits.seconds(120));
        double streamingAfter = Waits.secondsSince(resumed);
        report("frozen agent on %s: after SIGCONT its /patroni role was %s after %s, streaming after %s", oldLeader,
                oldLeader.role().orElse("?"), Waits.fmt(roleAfter), Waits.fmt(streamingAfter));
    }

    // ---------------------------------------------------------------- 4b. frozen DCS

    @Test
    @Order(7)
    void frozenDcsFencesThePrimaryAndNobodyElseWrites() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            sampler.awaitAccepted(oldLeader, Waits.seconds(10));
            long frozen = System.nanoTime();
            dcs.freeze();
            try {
                Waits.awaitTrue(oldLeader + " stops accepting writes while the DCS hangs", Waits.seconds(TTL + 10),
                        () -> sampler.lastAccepted(oldLeader.name())
                                .map(last -> sampler.refusedEverySince(oldLeader.name(), last, 12)).orElse(true),
                        sampler::recentRounds);
                double fencedAfter = Waits.seconds(frozen, sampler.lastAccepted(oldLeader.name()).orElse(frozen));
                report("DCS frozen (SIGSTOP): last write accepted on the primary %s %s after the freeze (ttl %d s)",
                        oldLeader, Waits.fmt(fencedAfter), TTL);
                assertTrue(fencedAfter < TTL, "the primary must stop accepting writes before its lock can expire; it "
                        + "accepted one " + Waits.fmt(fencedAfter) + " after the freeze");
            } finally {
                dcs.thaw();
            }
            ClusterMember leader = cluster.awaitHealthy(Waits.seconds(90));
            sampler.stop();
            sampler.assertNeverTwoWritable();
            report("DCS thawed: %s leads again; never two writable (%s)", leader, sampler.summary());
        }
    }

    // ---------------------------------------------------------------- 5. DCS outage

    @Test
    @Order(8)
    void dcsOutageFencesThePrimaryBeforeItsLockCouldExpire() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        List<ClusterMember> replicas = cluster.others(oldLeader);
        Map<ClusterMember, Long> replicaPostmasters = new java.util.LinkedHashMap<>();
        for (ClusterMember r : replicas) {
            replicaPostmasters.put(r, r.postmasterPid().orElseThrow(() -> new AssertionError("no postmaster on " + r)));
        }
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            sampler.awaitAccepted(oldLeader, Waits.seconds(10));

            long stop = System.nanoTime();
            dcs.stop();
            double stopTook = Waits.secondsSince(stop);
            // fenced = a dozen sampling rounds in a row refused on the old primary
            Waits.awaitTrue(oldLeader + " stops accepting writes", Waits.seconds(TTL + 10),
                    () -> sampler.lastAccepted(oldLeader.name())
                            .map(last -> sampler.refusedEverySince(oldLeader.name(), last, 12)).orElse(true),
                    sampler::recentRounds);
            long lastWrite = sampler.lastAccepted(oldLeader.name()).orElse(stop);
            double fencedAfter = Waits.seconds(stop, lastWrite);
            report("DCS stopped (stop took %s): last write accepted on the primary %s %s after the stop (ttl %d s)",
                    Waits.fmt(stopTook), oldLeader, Waits.fmt(fencedAfter), TTL);
            assertTrue(fencedAfter < TTL, "the primary must stop accepting writes before its lock can expire (ttl "
                    + TTL + " s after the DCS stop); it accepted one " + Waits.fmt(fencedAfter) + " after");

            // keep the DCS away for longer than retry_timeout (a deliberate outage length, not synchronisation)
            Timing.pauseUntil(stop + Waits.seconds(RETRY_TIMEOUT + 3).toNanos());
            for (Map.Entry<ClusterMember, Long> e : replicaPostmasters.entrySet()) {
                assertTrue(Procs.alive(e.getValue()), e.getKey() + "'s PostgreSQL must keep running without the DCS");
                assertTrue(e.getKey().answersSql(), e.getKey() + " must keep answering queries without the DCS");
            }
            long outageEnd = System.nanoTime();
            long writableDuringOutage = sampler.rounds().stream()
                    .filter(r -> r.startNanos() > lastWrite && r.endNanos() < outageEnd && !r.accepted().isEmpty())
                    .count();
            assertEquals(0, writableDuringOutage, "no member may accept writes without the DCS once the primary "
                    + "fenced itself: " + sampler.recentRounds());

            long back = System.nanoTime();
            dcs.start();
            ClusterMember recovered = Waits.await("a leader accepts writes after the DCS returned", Waits.seconds(90),
                    () -> cluster.clusterView().flatMap(TestCluster::leaderName).map(cluster::member)
                            .filter(m -> sampler.acceptedSince(m.name(), back)),
                    () -> TestCluster.summary(cluster.clusterView()) + "; " + sampler.recentRounds());
            double recoveredAfter = Waits.secondsSince(back);
            cluster.awaitHealthy(Waits.seconds(120));
            double healthyAfter = Waits.secondsSince(back);
            sampler.stop();
            report("DCS back after %s down: %s leads and accepts writes %s after the DCS returned, all streaming "
                    + "after %s; %s", Waits.fmt(Waits.seconds(stop, back)), recovered, Waits.fmt(recoveredAfter),
                    Waits.fmt(healthyAfter), sampler.summary());
            sampler.assertNeverTwoWritable();
        }
    }

    // ---------------------------------------------------------------- 6. foreign data directory

    @Test
    @Order(9)
    void memberWithForeignDataDirectoryIsRefused() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(30));
        String clusterSysid = String.valueOf(leader.patroni().orElseThrow().get("database_system_identifier"));
        ClusterMember stranger = cluster.addExtraMember("n4");
        initdbAsPostgres(stranger.dataDir());
        String foreignSysid = systemIdentifier(stranger.dataDir());
        assertNotEquals(clusterSysid, foreignSysid, "a fresh initdb has its own system identifier");

        long start = System.nanoTime();
        stranger.start();
        try {
            Waits.awaitTrue(stranger + " logs a system ID mismatch", Waits.seconds(60),
                    () -> stranger.log().contains("system ID mismatch"), () -> stranger.agentLogTail(20));
            report("foreign data directory on %s: 'system ID mismatch' logged after %s", stranger,
                    Waits.fmt(Waits.secondsSince(start)));

            // Watch several HA cycles for anything the stranger must never do (a bounded observation window).
            StringBuilder violation = new StringBuilder();
            boolean violated = Waits.poll(Waits.seconds(3 * LOOP_WAIT + 3), () -> {
                if (stranger.postmasterPid().isPresent() || Files.exists(stranger.dataDir().resolve("postmaster.pid"))) {
                    violation.append("PostgreSQL was started on the foreign data directory");
                } else if (stranger.patroni().map(p -> "running".equals(p.get("state"))).orElse(false)) {
                    violation.append("/patroni says running: ").append(stranger.patroni().orElseThrow());
                } else {
                    Optional<Map<String, Object>> entry = cluster.clusterView()
                            .map(v -> TestCluster.entries(v).get(stranger.name()));
                    entry.filter(e -> "leader".equals(e.get("role")) || "streaming".equals(e.get("state")))
                            .ifPresent(e -> violation.append("joined the cluster: ").append(e));
                }
                return violation.length() > 0;
            });
            if (violated) {
                fail(stranger + " must not touch a data directory of another cluster: " + violation);
            }
            assertEquals(foreignSysid, systemIdentifier(stranger.dataDir()), "pg_control's system identifier changed");
            ClusterMember still = cluster.awaitHealthy(Waits.seconds(30));
            assertEquals(leader, still, "the cluster keeps its leader");
            assertFalse(stranger.log().contains("pg_rewind"), "no pg_rewind on a foreign data directory");
        } finally {
            stranger.stopAgent(Waits.seconds(30));
        }
    }

    // ---------------------------------------------------------------- helpers

    private String dcsName() {
        return dcs == null ? getClass().getSimpleName() : dcs.name();
    }

    private void report(String format, Object... args) {
        System.out.println("it: [" + dcsName() + "] " + String.format(java.util.Locale.ROOT, format, args));
    }

    private static Optional<Long> rowCount(ClusterMember m, String marker) {
        return m.queryValue("SELECT count(*) FROM " + ROWS + " WHERE marker = ?", marker).map(Long::parseLong);
    }

    private static void awaitRowCount(ClusterMember m, String marker, long expected, Duration timeout) {
        Waits.awaitTrue(m + " has " + expected + " row(s) " + marker, timeout,
                () -> rowCount(m, marker).filter(n -> n == expected).isPresent(),
                () -> "count " + rowCount(m, marker).map(String::valueOf).orElse("unavailable"));
    }

    /** A fresh cluster of its own in {@code dataDir}, made by initdb as the postgres OS user, with checksums. */
    private static void initdbAsPostgres(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        UserPrincipalLookupService users = dataDir.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(dataDir, users.lookupPrincipalByName("postgres"));
        Files.getFileAttributeView(dataDir, java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(users.lookupPrincipalByGroupName("postgres"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        Procs.Result r = Procs.run(Duration.ofMinutes(2), "setpriv", "--reuid=postgres", "--regid=postgres",
                "--init-groups", "--", PG_BIN.resolve("initdb").toString(), "-D", dataDir.toString(),
                "--data-checksums", "--no-sync", "-U", "postgres", "-A", "trust", "-E", "UTF8");
        if (!r.ok()) {
            throw new AssertionError("initdb of the foreign data directory failed (" + r.exitCode() + "):\n" + r.output());
        }
    }

    private static String systemIdentifier(Path dataDir) {
        Procs.Result r = Procs.run(Duration.ofSeconds(30), PG_BIN.resolve("pg_controldata").toString(), dataDir.toString());
        Matcher m = Pattern.compile("Database system identifier:\\s*(\\d+)").matcher(r.output());
        if (!r.ok() || !m.find()) {
            throw new AssertionError("pg_controldata " + dataDir + " failed: " + r.output());
        }
        return m.group(1);
    }

    private static String grep(String text, String word) {
        return text.lines().filter(l -> l.contains(word)).reduce((a, b) -> a + "\n" + b).orElse("(none)");
    }

    private static String tailOf(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

}
