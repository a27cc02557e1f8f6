package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.testkit.server.PostgresProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
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
 * A standby cluster on real PostgreSQL: a second pgha cluster whose bootstrap.dcs names the first cluster's primary
 * in {@code standby_cluster}. Its first member is copied from the remote primary and follows it as the standby leader,
 * the other member cascades from the standby leader, a crash of the standby leader hands the lock to the other member
 * without promoting anything, and only removing the section promotes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class StandbyClusterScenarios {
    private DcsFixture dcs;
    private TestCluster main;
    private TestCluster standby;
    private ClusterMember mainPrimary;
    private TestCluster archived;

    protected abstract DcsFixture startDcs();

    @RegisterExtension
    final TestWatcher diagnosticsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            report("FAILED %s: %s", context.getDisplayName(), cause);
            if (standby != null) {
                standby.keepFiles();
                System.out.println(standby.diagnostics());
            }
        }
    };

    @BeforeAll
    void start() throws Exception {
        dcs = startDcs();
        main = TestCluster.create(dcs, "main", 1);
        main.startAll();
        mainPrimary = main.awaitHealthy(Waits.seconds(120));
        mainPrimary.execute("CREATE TABLE standby_rows (id int PRIMARY KEY)");
        mainPrimary.execute("INSERT INTO standby_rows VALUES (1)");
        standby = TestCluster.create(dcs, "stby", 2,
                "standby_cluster: {host: 127.0.0.1, port: " + mainPrimary.pgPort() + "}, ");
        standby.startAll();
    }

    @AfterAll
    void stop() {
        if (archived != null) {
            archived.close();
        }
        if (standby != null) {
            standby.close();
        }
        if (main != null) {
            main.close();
        }
        if (dcs != null) {
            dcs.close();
        }
    }

    @Test
    @Order(1)
    void standbyLeaderFollowsTheRemotePrimaryAndTheOtherMemberCascades() throws Exception {
        ClusterMember leader = awaitStandbyLeader(Waits.seconds(180));
        ClusterMember other = standby.others(leader).get(0);
        Waits.awaitTrue(other + " streams from the standby leader " + leader, Waits.seconds(120),
                () -> leader.queryValue("SELECT count(*) FROM pg_stat_replication WHERE application_name = ?",
                        other.name()).filter("1"::equals).isPresent(), () -> TestCluster.summary(standby.clusterView()));
        assertEquals(Optional.of("t"), leader.queryValue("SELECT pg_is_in_recovery()"));
        assertEquals(200, leader.healthCheck("/standby-leader"));
        assertEquals(503, leader.healthCheck("/primary"));
        mainPrimary.execute("INSERT INTO standby_rows VALUES (2)");
        for (ClusterMember m : standby.members()) {
            awaitRows(m, 2);
        }
        report("standby leader %s follows the remote primary %s; %s cascades from it", leader, mainPrimary, other);
    }

    @Test
    @Order(2)
    void crashOfTheStandbyLeaderMovesTheLockWithoutPromotion() throws Exception {
        ClusterMember leader = awaitStandbyLeader(Waits.seconds(60));
        long postmaster = leader.postmasterPid().orElseThrow(() -> new AssertionError("no postmaster pid"));
        Procs.signal(leader.agentPid(), Procs.Sig.KILL);
        Procs.signal(postmaster, Procs.Sig.KILL);
        assertTrue(leader.awaitAgentExit(Duration.ofSeconds(10)), "agent survived SIGKILL");
        ClusterMember next = Waits.await("the other member takes the lock as the standby leader",
                Waits.seconds(TestCluster.TTL + 40), () -> standby.clusterView(standby.others(leader))
                        .flatMap(v -> roleHolder(v, "standby_leader")).filter(n -> !n.equals(leader.name()))
                        .map(standby::member),
                () -> TestCluster.summary(standby.clusterView(standby.others(leader))));
        assertEquals(Optional.of("t"), next.queryValue("SELECT pg_is_in_recovery()"), "never promoted");
        mainPrimary.execute("INSERT INTO standby_rows VALUES (3)");
        awaitRows(next, 3);
        leader.start();
        awaitRows(leader, 3);
        report("after a crash of %s, %s leads the standby cluster, still replicating", leader, next);
    }

    @Test
    @Order(3)
    void removingTheSectionPromotes() throws Exception {
        ClusterMember leader = awaitStandbyLeader(Waits.seconds(60));
        Map<String, Object> patch = new HashMap<>();
        patch.put("standby_cluster", null);
        var answer = leader.send("PATCH", "/config", patch, Duration.ofSeconds(10));
        assertEquals(200, answer.status(), answer.body());
        ClusterMember primary = standby.awaitHealthy(Waits.seconds(120));
        assertEquals(leader, primary, "the standby leader itself is promoted");
        assertEquals(Optional.of("f"), primary.queryValue("SELECT pg_is_in_recovery()"));
        primary.execute("INSERT INTO standby_rows VALUES (100)");
        report("removing standby_cluster promoted %s", primary);
    }

    /**
     * A standby cluster fed from the first cluster's WAL archive alone: {@code standby_cluster} has a restore_command
     * and no host, and {@code create_replica_methods} names a command method that can copy without a leader. The
     * standby leader never streams; it replays what the archive receives.
     */
    @Test
    @Order(4)
    void archiveOnlyStandbyClusterReplaysFromTheArchive() throws Exception {
        Path archive = PostgresProcess.databaseUserDirectory(main.baseDir().resolve("wal-archive"));
        Map<String, Object> parameters = new HashMap<>();
        parameters.put("archive_mode", "on");
        parameters.put("archive_command", "test ! -f " + archive + "/%f && cp %p " + archive + "/%f");
        var answer = mainPrimary.send("PATCH", "/config", Map.of("postgresql", Map.of("parameters", parameters)),
                Duration.ofSeconds(10));
        assertEquals(200, answer.status(), answer.body());
        Waits.awaitTrue("archive_mode is pending a restart on " + mainPrimary, Waits.seconds(60),
                () -> mainPrimary.patroni().map(p -> Boolean.TRUE.equals(p.get("pending_restart"))).orElse(false),
                () -> String.valueOf(mainPrimary.patroni()));
        answer = mainPrimary.send("POST", "/restart", Map.of(), Duration.ofSeconds(120));
        assertEquals(200, answer.status(), answer.body());
        Waits.awaitTrue("archiving runs on " + mainPrimary, Waits.seconds(60),
                () -> mainPrimary.queryValue("SHOW archive_mode").filter("on"::equals).isPresent(),
                () -> mainPrimary.agentLogTail(10));

        // a copy that needs no leader: pg_basebackup of the first cluster, as a backup tool would restore one
        Path script = main.baseDir().resolve("clone-main.sh");
        Files.writeString(script, String.join("\n", "#!/bin/sh",
                "for a in \"$@\"; do case \"$a\" in --datadir=*) d=\"${a#--datadir=}\";; esac; done",
                "PGPASSWORD='" + TestCluster.REPLICATION_PASSWORD + "' exec " + PostgresProcess.DEFAULT_BIN
                        .resolve("pg_basebackup") + " -D \"$d\" -X stream -c fast -d 'host=127.0.0.1 port="
                        + mainPrimary.pgPort() + " user=" + TestCluster.REPLICATION_USER + "'", ""));
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

        archived = TestCluster.create(dcs, "arch", 1, "standby_cluster: {restore_command: \"cp " + archive
                + "/%f %p\", create_replica_methods: [clone_main]}, ");
        ClusterMember member = archived.members().get(0);
        Files.writeString(member.configFile(), "  clone_main: {command: " + script + ", no_leader: true}\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        mainPrimary.execute("INSERT INTO standby_rows VALUES (10)");
        archived.startAll();
        Waits.awaitTrue(member + " leads the archive-fed standby cluster", Waits.seconds(180),
                () -> member.role().filter("standby_leader"::equals).isPresent(),
                () -> TestCluster.summary(archived.clusterView()) + "\n" + member.agentLogTail(15));
        assertEquals(Optional.of("t"), member.queryValue("SELECT pg_is_in_recovery()"));
        // the role shows from the cycle that took the lock; the health check from the next one, which reads it back
        Waits.awaitTrue("GET /standby-leader answers 200 on " + member, Waits.seconds(30),
                () -> member.healthCheck("/standby-leader") == 200, () -> member.agentLogTail(5));
        String log = member.log();
        assertTrue(log.contains("replica created with clone_main"), "copied with standby_cluster's method:\n" + log);
        assertTrue(log.contains("bootstrapped a standby leader from the WAL archive"), log);

        mainPrimary.execute("INSERT INTO standby_rows VALUES (11)");
        mainPrimary.execute("SELECT pg_switch_wal()");
        Waits.awaitTrue(member + " replayed the archived row", Waits.seconds(90),
                () -> member.queryValue("SELECT count(*) FROM standby_rows WHERE id = 11").filter("1"::equals)
                        .isPresent(), () -> member.postgresLogTail(10));
        assertEquals(Optional.of("0"), member.queryValue("SELECT count(*) FROM pg_stat_wal_receiver"),
                "nothing streams: every row came through restore_command");
        report("%s leads a standby cluster fed by restore_command alone, copied with clone_main", member);
    }

    // ---------------------------------------------------------------- helpers

    private ClusterMember awaitStandbyLeader(Duration timeout) {
        return Waits.await("a running standby leader in the standby cluster", timeout,
                () -> standby.clusterView().flatMap(v -> roleHolder(v, "standby_leader")).map(standby::member)
                        .filter(m -> m.role().filter("standby_leader"::equals).isPresent()),
                () -> TestCluster.summary(standby.clusterView()));
    }

    private static Optional<String> roleHolder(Map<String, Object> view, String role) {
        return TestCluster.entries(view).values().stream().filter(e -> role.equals(e.get("role")))
                .map(e -> String.valueOf(e.get("name"))).findFirst();
    }

    private static void awaitRows(ClusterMember m, int count) {
        Waits.awaitTrue(m + " has " + count + " rows", Waits.seconds(60),
                () -> m.queryValue("SELECT count(*) FROM standby_rows").filter(String.valueOf(count)::equals)
                        .isPresent(), () -> m.queryValue("SELECT count(*) FROM standby_rows").orElse("?"));
    }

    private void report(String format, Object... args) {
        System.out.println("it: [" + getClass().getSimpleName() + "] "
                + String.format(java.util.Locale.ROOT, format, args));
    }
}
