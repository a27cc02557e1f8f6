package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.spi.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real {@code patronictl} of Patroni 3.0.2 (Debian's {@code patroni}) against a pgha cluster, reading
 * the members' own configuration file as an operator would: list, edit-config, pause and resume, reload, restart,
 * reinit and switchover all work.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class PatronictlScenarios {
    private static final Path PATRONICTL = Path.of("/usr/bin/patronictl");
    private DcsFixture dcs;
    private TestCluster cluster;
    private Path config;

    @BeforeAll
    void start() {
        assertTrue(Files.isExecutable(PATRONICTL), "patronictl is missing: apt-get install patroni");
        dcs = startDcs();
        cluster = TestCluster.create(dcs, "ctl", 3);
        cluster.startAll();
        cluster.awaitHealthy(Waits.seconds(150));
        config = cluster.member("n1").configFile();
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

    /** The DCS this subclass runs the tools against. */
    protected abstract DcsFixture startDcs();

    private String ctl(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of(PATRONICTL.toString(), "-c", config.toString()));
        argv.addAll(List.of(args));
        Procs.Result r = Procs.run(Duration.ofSeconds(120), argv, null);
        assertEquals(0, r.exitCode(), "patronictl " + String.join(" ", args) + " failed:\n" + r.output());
        return r.output();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> list() {
        String out = ctl("list", "-f", "json");
        return (List<Map<String, Object>>) (List<?>) Json.parse(out.substring(out.indexOf('[')));
    }

    private String pghactl(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of(TestCluster.pghaHome().resolve("bin/pghactl").toString(),
                "-c", config.toString()));
        argv.addAll(List.of(args));
        Procs.Result r = Procs.run(Duration.ofSeconds(120), argv, null);
        assertEquals(0, r.exitCode(), "pghactl " + String.join(" ", args) + " failed:\n" + r.output());
        return r.output();
    }

    /** Member, role, state and timeline of each row, as both tools print them. */
    @SuppressWarnings("unchecked")
    private static List<String> essentials(String json) {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) (List<?>) Json.parse(json.substring(json.indexOf('[')));
        return rows.stream().map(r -> r.get("Member") + "/" + r.get("Role") + "/" + r.get("State") + "/"
                + ((Number) r.get("TL")).longValue()).sorted().toList();
    }

    @Test
    @Order(1)
    void listShowsEveryMember() {
        List<Map<String, Object>> members = list();
        assertEquals(3, members.size(), members.toString());
        assertEquals(1, members.stream().filter(m -> "Leader".equals(m.get("Role"))).count(), members.toString());
        for (Map<String, Object> m : members) {
            assertTrue(List.of("running", "streaming").contains(String.valueOf(m.get("State"))), m.toString());
            assertEquals(1L, ((Number) m.get("TL")).longValue(), m.toString());
        }
        System.out.println("it: [patronictl] list:\n" + ctl("list"));
    }

    @Test
    @Order(2)
    void editConfigReachesPostgres() {
        ctl("edit-config", "--force", "-p", "work_mem=9MB");
        for (ClusterMember m : cluster.members()) {
            Waits.awaitTrue(m + " runs with work_mem 9MB", Waits.seconds(30),
                    () -> m.queryValue("SHOW work_mem").equals(Optional.of("9MB")), () -> m.agentLogTail(20));
        }
    }

    @Test
    @Order(3)
    void pauseAndResume() {
        // patronictl's --wait watches the member keys; /patroni answers from the agent's snapshot, which is taken
        // at the end of the same cycle, a moment later
        ctl("pause", "--wait");
        for (ClusterMember m : cluster.members()) {
            Waits.awaitTrue(m + " reports pause", Waits.seconds(10),
                    () -> Boolean.TRUE.equals(m.patroni().map(p -> p.get("pause")).orElse(null)),
                    () -> String.valueOf(m.patroni()));
        }
        ctl("resume", "--wait");
        for (ClusterMember m : cluster.members()) {
            Waits.awaitTrue(m + " no longer reports pause", Waits.seconds(10),
                    () -> m.patroni().filter(p -> p.get("pause") == null).isPresent(),
                    () -> String.valueOf(m.patroni()));
        }
    }

    @Test
    @Order(4)
    void reloadAndRestart() {
        ctl("reload", "ctl", "--force");
        ClusterMember replica = cluster.others(cluster.awaitHealthy(Waits.seconds(30))).get(0);
        long before = replica.postmasterPid().orElseThrow();
        ctl("restart", "ctl", replica.name(), "--force");
        Waits.awaitTrue(replica + " runs a new postmaster", Waits.seconds(60),
                () -> replica.postmasterPid().filter(p -> p != before).isPresent() && replica.answersSql(),
                () -> replica.agentLogTail(20));
        cluster.awaitStreaming(replica, Waits.seconds(60));
    }

    @Test
    @Order(5)
    void reinitRecreatesAReplica() {
        ClusterMember replica = cluster.others(cluster.awaitHealthy(Waits.seconds(30))).get(1);
        long mark = replica.logSize();
        ctl("reinit", "ctl", replica.name(), "--force");
        Waits.awaitTrue(replica + " was copied again", Waits.seconds(60),
                () -> replica.logSince(mark).contains("bootstrapped from"), () -> replica.agentLogTail(20));
        cluster.awaitStreaming(replica, Waits.seconds(90));
    }

    @Test
    @Order(6)
    void pghactlAgreesWithPatronictl() {
        cluster.awaitHealthy(Waits.seconds(60));
        Waits.awaitTrue("pghactl list and patronictl list agree", Waits.seconds(30),
                () -> essentials(pghactl("list", "-f", "json")).equals(essentials(ctl("list", "-f", "json"))),
                () -> pghactl("list") + "\n" + ctl("list"));
        System.out.println("it: [pghactl] list:\n" + pghactl("list"));
        pghactl("edit-config", "--force", "-p", "work_mem=11MB");
        for (ClusterMember m : cluster.members()) {
            Waits.awaitTrue(m + " runs with work_mem 11MB", Waits.seconds(30),
                    () -> m.queryValue("SHOW work_mem").equals(Optional.of("11MB")), () -> m.agentLogTail(20));
        }
        String shown = pghactl("show-config");
        assertTrue(shown.contains("work_mem: 11MB"), shown);
        String explained = pghactl("show-config", "--explain");
        assertTrue(explained.contains("worst-case failover"), explained);
        pghactl("pause", "--wait");
        assertTrue(ctl("list").contains("Maintenance mode: on"), "patronictl sees the pause pghactl set");
        pghactl("resume", "--wait");
        assertTrue(pghactl("version", "ctl").contains("PostgreSQL"));
        assertTrue(pghactl("history").startsWith("TL"));
        // query: the same answer from both tools, on the leader and on a replica
        String sql = "SELECT pg_is_in_recovery() AS in_recovery, current_setting('work_mem') AS work_mem";
        String ours = pghactl("query", "-c", sql);
        String theirs = ctl("query", "-c", sql);
        assertTrue(ours.contains("in_recovery\twork_mem") && ours.contains("f\t11MB"), ours);
        assertTrue(theirs.contains("False") || theirs.contains("f"), theirs);
        assertTrue(pghactl("query", "-r", "replica", "-c", sql).contains("t\t11MB"));
        String events = pghactl("events");
        assertTrue(cluster.members().stream().allMatch(m -> events.contains(m.name())), events);
    }

    @Test
    @Order(7)
    void switchover() {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(30));
        ClusterMember candidate = cluster.others(leader).get(0);
        ctl("switchover", "--leader", leader.name(), "--candidate", candidate.name(), "--force");
        Waits.awaitTrue(candidate + " leads", Waits.seconds(60),
                () -> cluster.clusterView().flatMap(TestCluster::leaderName).equals(Optional.of(candidate.name())),
                () -> TestCluster.summary(cluster.clusterView()));
        cluster.awaitHealthy(Waits.seconds(60));
        ClusterMember next = cluster.others(candidate).get(0);
        cluster.awaitStreaming(next, Waits.seconds(60));
        ctl("failover", "--candidate", next.name(), "--force");
        Waits.awaitTrue(next + " leads after a manual failover", Waits.seconds(60),
                () -> cluster.clusterView().flatMap(TestCluster::leaderName).equals(Optional.of(next.name())),
                () -> TestCluster.summary(cluster.clusterView()));
        cluster.awaitHealthy(Waits.seconds(60));
    }
}
