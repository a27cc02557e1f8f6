package io.pgha.spi.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.dcs.PatroniLayout.RawValue;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PatroniLayoutTest {

    @Test
    void normalisesNamespacesLikePatroni() {
        assertEquals("/service/", PatroniLayout.normaliseNamespace(null));
        assertEquals("/service/", PatroniLayout.normaliseNamespace("service"));
        assertEquals("/a/b/", PatroniLayout.normaliseNamespace("//a//b/"));
        assertEquals("/service/batman/", PatroniLayout.clusterPrefix("/service/", "batman"));
    }

    @Test
    void decodesAWholeClusterAsPatroniWritesIt() {
        Map<String, RawValue> raw = new HashMap<>();
        raw.put("initialize", RawValue.of("7291036162378221611", 3));
        raw.put("config", RawValue.of("{\"ttl\":30,\"loop_wait\":10,\"postgresql\":{\"use_pg_rewind\":true}}", 4));
        raw.put("leader", new RawValue("alpha", 9, "lease-1"));
        raw.put("status", RawValue.of("{\"optime\":67109048,\"slots\":{\"beta\":67109048},\"retain_slots\":[\"beta\"]}", 10));
        raw.put("members/alpha", new RawValue("{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\",\"api_url\":"
                + "\"http://127.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"primary\",\"version\":\"4.1.4\","
                + "\"xlog_location\":67109048,\"timeline\":2}", 11, "lease-1"));
        raw.put("members/beta", RawValue.of("{\"conn_url\":\"postgres://127.0.0.1:5433/postgres\",\"role\":\"replica\","
                + "\"state\":\"running\",\"tags\":{\"nofailover\":true}}", 12));
        raw.put("failover", RawValue.of("{\"leader\":\"alpha\",\"member\":\"beta\",\"scheduled_at\":\"2026-11-21T10:00:00+00:00\"}", 13));
        raw.put("sync", RawValue.of("{\"leader\":\"alpha\",\"sync_standby\":\"gamma,beta\",\"quorum\":null}", 14));
        raw.put("history", RawValue.of("[[1,25165984,\"no recovery target specified\",\"2026-11-21T09:00:00+00:00\",\"alpha\"]]", 15));
        raw.put("failsafe", RawValue.of("{\"alpha\":\"http://127.0.0.1:8008/patroni\"}", 16));

        ClusterState s = PatroniLayout.decode(raw);

        assertEquals(List.of(), s.warnings());
        assertEquals(Optional.of("7291036162378221611"), s.initialize());
        assertEquals(4, s.config().orElseThrow().version());
        assertEquals(30L, s.config().orElseThrow().data().get("ttl"));
        assertEquals(new Leader("alpha", 9, "lease-1"), s.leader().orElseThrow());
        assertEquals(67109048L, s.status().optime());
        assertEquals(Map.of("beta", 67109048L), s.status().slots());
        assertEquals(List.of("alpha", "beta"), s.members().stream().map(Member::name).toList());
        assertEquals(Optional.of("primary"), s.leaderMember().orElseThrow().data().role());
        assertEquals(Boolean.TRUE, s.member("beta").orElseThrow().data().tags().get("nofailover"));
        FailoverRequest f = s.failover().orElseThrow();
        assertEquals(Optional.of("beta"), f.candidate());
        assertEquals(OffsetDateTime.parse("2026-11-21T10:00:00Z"), f.scheduledAt().orElseThrow());
        assertEquals(List.of("beta", "gamma"), s.sync().orElseThrow().syncStandbys());
        assertTrue(s.sync().orElseThrow().isSyncStandby("BETA"));
        assertEquals(2, s.timeline());
        assertEquals(Map.of("alpha", "http://127.0.0.1:8008/patroni"), s.failsafe().orElseThrow());
    }

    @Test
    void skipsGarbageWithWarningsAndKeepsTheRest() {
        Map<String, RawValue> raw = new HashMap<>();
        raw.put("leader", RawValue.of("alpha", 1));
        raw.put("config", RawValue.of("{not json", 2));
        raw.put("members/alpha", RawValue.of("{\"conn_url\":\"postgres://h:5432/postgres\",\"role\":\"primary\"}", 3));
        raw.put("members/bad1", RawValue.of("[1,2]", 4));
        raw.put("members/bad2", RawValue.of("{\"conn_url\":5}", 5));
        raw.put("members/bad3", RawValue.of("{\"tags\":[\"x\"]}", 6));
        raw.put("members/huge", RawValue.of("{\"x\":\"" + "a".repeat(900_000) + "\"}", 7));
        raw.put("history", RawValue.of("{\"a\":1}", 8));

        ClusterState s = PatroniLayout.decode(raw);

        assertEquals(List.of("alpha"), s.members().stream().map(Member::name).toList());
        assertTrue(s.config().isEmpty());
        assertTrue(s.history().isEmpty());
        assertEquals(6, s.warnings().size(), s.warnings().toString());
        assertTrue(s.warnings().stream().anyMatch(w -> w.startsWith("ignoring member huge")));
        assertFalse(s.isUnlocked());
    }

    @Test
    void readsLegacyForms() {
        Map<String, RawValue> raw = new HashMap<>();
        raw.put("members/old", RawValue.of("postgres://replicator:x@10.0.0.2:5432/postgres?application_name="
                + "http%3A%2F%2F10.0.0.2%3A8008%2Fpatroni", 1));
        raw.put("failover", RawValue.of("alpha:beta", 2));
        raw.put("optime/leader", RawValue.of("12345", 3));
        ClusterState s = PatroniLayout.decode(raw);
        assertEquals(Optional.of("http://10.0.0.2:8008/patroni"), s.member("old").orElseThrow().data().apiUrl());
        assertEquals(Optional.of("beta"), s.failover().orElseThrow().candidate());
        assertEquals(12345L, s.status().optime());
    }

    @Test
    void emptyFailoverAndSyncMeanNone() {
        assertTrue(PatroniLayout.decodeFailover("{}", 1).isEmpty());
        assertTrue(PatroniLayout.decodeSync("{}", 1).isEmpty());
    }

    @Test
    void encodesLikePatroni() {
        assertEquals("{\"leader\":\"a\",\"member\":\"b\"}", PatroniLayout.encodeFailover(FailoverRequest.of("a", "b")));
        assertEquals("{\"leader\":\"a\",\"quorum\":null,\"sync_standby\":\"b,c\"}", PatroniLayout.encodeSync(
                new SyncState(0, Optional.of("a"), List.of("c", "b"), Optional.empty())));
        assertEquals("[[1,100,\"no recovery target specified\",\"2026-01-01T00:00:00Z\",\"b\"],[2,200,\"x\"]]",
                PatroniLayout.encodeHistory(List.of(
                        new HistoryEntry(1, 100, "no recovery target specified", Optional.of("2026-01-01T00:00:00Z"),
                                Optional.of("b")),
                        new HistoryEntry(2, 200, "x", Optional.empty(), Optional.empty()))));
        assertEquals("{\"optime\":5,\"slots\":{\"b\":5},\"retain_slots\":[]}",
                PatroniLayout.encodeStatus(new LeaderStatus(5, Map.of("b", 5L), List.of())));
        String history = PatroniLayout.encodeHistory(List.of(new HistoryEntry(3, 7, "r", Optional.empty(), Optional.of("n"))));
        assertEquals("[[3,7,\"r\",null,\"n\"]]", history);
        assertEquals(Optional.of("n"), PatroniLayout.decodeHistory(history).get(0).newLeader());
    }
}
