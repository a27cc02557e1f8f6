package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
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
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Replication slots on real PostgreSQL: a permanent physical slot added live is created on the leader and copied to
 * the replicas, whose copies follow the leader's as its consumer advances it, so that after a switchover the new
 * primary still keeps the WAL the consumer has not read; the former leader, now a standby, drops its copies of the
 * members' slots; and a member that cascades ({@code replicatefrom}) streams through a slot on its upstream replica.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class SlotScenarios {
    private static final String SLOT = "backup_tool";

    private DcsFixture dcs;
    private TestCluster cluster;

    protected abstract DcsFixture startDcs();

    @RegisterExtension
    final TestWatcher diagnosticsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            report("FAILED %s: %s", context.getDisplayName(), cause);
            if (cluster != null) {
                cluster.keepFiles();
                System.out.println(cluster.diagnostics());
            }
        }
    };

    @BeforeAll
    void start() throws Exception {
        dcs = startDcs();
        cluster = TestCluster.create(dcs, "slots", 3);
        cluster.startAll();
        cluster.awaitHealthy(Waits.seconds(150));
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
    void permanentSlotIsCopiedAdvancedAndSurvivesASwitchover() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(30));
        var answer = leader.send("PATCH", "/config", Map.of("slots", Map.of(SLOT, Map.of("type", "physical"))),
                Duration.ofSeconds(10));
        assertEquals(200, answer.status(), answer.body());
        for (ClusterMember m : cluster.members()) {
            Waits.awaitTrue(m + " has the permanent slot", Waits.seconds(60), () -> slotPosition(m).isPresent(),
                    () -> String.valueOf(m.queryValue("SELECT string_agg(slot_name, ',') FROM pg_replication_slots")));
        }

        // its consumer reads up to here: the copies must follow, and keep nothing older
        leader.execute("CREATE TABLE IF NOT EXISTS slot_rows (id int PRIMARY KEY)");
        leader.execute("INSERT INTO slot_rows SELECT generate_series(1, 1000)");
        String consumed = leader.queryValue("SELECT end_lsn::text FROM pg_replication_slot_advance(?, "
                + "pg_current_wal_lsn())", SLOT).orElseThrow();
        for (ClusterMember r : cluster.others(leader)) {
            Waits.awaitTrue(r + "'s copy moved to " + consumed, Waits.seconds(60),
                    () -> r.queryValue("SELECT restart_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?",
                            consumed, SLOT).filter("t"::equals).isPresent(),
                    () -> r + " at " + slotPosition(r).orElse("?"));
        }

        ClusterMember candidate = cluster.others(leader).get(0);
        answer = leader.post("/switchover", Map.of("leader", leader.name(), "candidate", candidate.name()),
                Waits.seconds(90));
        assertEquals(200, answer.status(), answer.body());
        ClusterMember newLeader = cluster.awaitNewPrimary(leader, Waits.seconds(60));
        assertEquals(candidate, newLeader);
        assertEquals(Optional.of("t"), newLeader.queryValue("SELECT restart_lsn >= ?::pg_lsn FROM pg_replication_slots"
                + " WHERE slot_name = ?", consumed, SLOT), "the new primary's slot still starts at " + consumed
                + ", not where it was promoted: " + slotPosition(newLeader).orElse("missing"));

        // the former leader follows now: its copies of the members' slots go, the permanent one stays
        cluster.awaitStreaming(leader, Waits.seconds(90));
        Waits.awaitTrue(leader + " dropped the members' slots it kept as leader", Waits.seconds(60),
                () -> leader.queryValue("SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots")
                        .filter(SLOT::equals).isPresent(),
                () -> String.valueOf(leader.queryValue("SELECT string_agg(slot_name, ',') FROM pg_replication_slots")));
        report("%s copied to the replicas and advanced to %s; after the switchover to %s it starts there; %s kept only it",
                SLOT, consumed, newLeader, leader);
    }

    @Test
    @Order(2)
    void cascadingMemberStreamsThroughASlotOnItsUpstreamReplica() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(60));
        List<ClusterMember> replicas = cluster.others(leader);
        ClusterMember upstream = replicas.get(0);
        ClusterMember cascading = replicas.get(1);
        assertTrue(cascading.stopAgent(Waits.seconds(60)), cascading + "'s agent did not stop");
        Files.writeString(cascading.configFile(), "tags: {replicatefrom: " + upstream.name() + "}\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        cascading.start();
        Waits.awaitTrue(cascading + " streams from " + upstream + " through its slot", Waits.seconds(120),
                () -> upstream.queryValue("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active",
                        cascading.name()).filter("1"::equals).isPresent(),
                () -> upstream.queryValue("SELECT string_agg(slot_name || ':' || active, ',') FROM pg_replication_slots")
                        .orElse("?") + "; " + cascading.agentLogTail(5));
        assertEquals(Optional.of("0"), leader.queryValue("SELECT count(*) FROM pg_stat_replication WHERE "
                + "application_name = ?", cascading.name()), "it does not stream from the leader");
        leader.execute("INSERT INTO slot_rows VALUES (5000)");
        Waits.awaitTrue(cascading + " has the new row", Waits.seconds(60),
                () -> cascading.queryValue("SELECT count(*) FROM slot_rows WHERE id = 5000").filter("1"::equals)
                        .isPresent(), () -> cascading.postgresLogTail(5));
        report("%s cascades from %s through the slot %s keeps for it", cascading, upstream, upstream);
    }

    @Test
    @Order(3)
    void logicalSlotIsCopiedToTheStandbysAndGoesOnAfterASwitchover() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(60));
        Map<String, Object> change = Map.of(
                "slots", Map.of("cdc", Map.of("type", "logical", "database", "postgres", "plugin", "test_decoding")),
                "postgresql", Map.of("parameters", Map.of("wal_level", "logical", "hot_standby_feedback", "on")));
        var answer = leader.send("PATCH", "/config", change, Duration.ofSeconds(10));
        assertEquals(200, answer.status(), answer.body());
        // wal_level needs a restart: each member in turn, the leader keeping its lock through its own
        for (ClusterMember m : cluster.members()) {
            Waits.awaitTrue(m + " has wal_level pending a restart", Waits.seconds(60),
                    () -> m.patroni().map(p -> p.get("pending_restart") != null).orElse(false),
                    () -> String.valueOf(m.patroni()));
            answer = m.post("/restart", Map.of(), Waits.seconds(120));
            assertEquals(200, answer.status(), m + ": " + answer.body());
            Waits.awaitTrue(m + " runs with wal_level logical", Waits.seconds(90),
                    () -> m.queryValue("SHOW wal_level").filter("logical"::equals).isPresent(), () -> m.agentLogTail(5));
        }
        cluster.awaitHealthy(Waits.seconds(120));
        Waits.awaitTrue(leader + " created the logical slot", Waits.seconds(60),
                () -> leader.queryValue("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cdc'")
                        .filter("1"::equals).isPresent(), () -> leader.agentLogTail(5));

        // a consumer reads everything up to a marker row
        leader.execute("INSERT INTO slot_rows VALUES (6666)");
        leader.queryValue("SELECT count(*) FROM pg_logical_slot_get_changes('cdc', NULL, NULL)");
        String consumed = leader.queryValue("SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                + " WHERE slot_name = 'cdc'").orElseThrow();
        for (ClusterMember r : cluster.others(leader)) {
            Waits.awaitTrue(r + " has a copy at " + consumed, Waits.seconds(120),
                    () -> r.queryValue("SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots"
                            + " WHERE slot_name = 'cdc'", consumed).filter("t"::equals).isPresent(),
                    () -> r.queryValue("SELECT string_agg(slot_name || ':' || coalesce(confirmed_flush_lsn::text, '-'),"
                            + " ',') FROM pg_replication_slots").orElse("?") + "; " + r.agentLogTail(5));
        }
        leader.execute("INSERT INTO slot_rows VALUES (7777)");
        ClusterMember candidate = cluster.others(leader).get(0);
        Waits.awaitTrue(candidate + " has the row written after the consumer's position", Waits.seconds(60),
                () -> candidate.queryValue("SELECT count(*) FROM slot_rows WHERE id = 7777").filter("1"::equals)
                        .isPresent(), () -> candidate.postgresLogTail(5));
        answer = leader.post("/switchover", Map.of("leader", leader.name(), "candidate", candidate.name()),
                Waits.seconds(90));
        assertEquals(200, answer.status(), answer.body());
        ClusterMember newLeader = cluster.awaitNewPrimary(leader, Waits.seconds(60));
        String changes = newLeader.queryValue("SELECT string_agg(data, E'\\n') FROM pg_logical_slot_get_changes("
                + "'cdc', NULL, NULL)").orElse("");
        assertTrue(changes.contains("7777"), "the consumer goes on from where it was on " + newLeader + ":\n" + changes);
        assertTrue(!changes.contains("6666"), "and is not handed again what it confirmed:\n" + changes);
        report("logical slot cdc copied to the standbys and advanced to %s; after the switchover to %s it decodes "
                + "from there", consumed, newLeader);
    }

    private static Optional<String> slotPosition(ClusterMember m) {
        return m.queryValue("SELECT coalesce(restart_lsn::text, 'none') FROM pg_replication_slots WHERE slot_name = ?",
                SLOT);
    }

    private void report(String format, Object... args) {
        System.out.println("it: [" + getClass().getSimpleName() + "] "
                + String.format(java.util.Locale.ROOT, format, args));
    }
}
