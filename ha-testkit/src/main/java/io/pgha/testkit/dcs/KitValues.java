package io.pgha.testkit.dcs;

import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.SyncState;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Sample values the kit writes: every Patroni field, nested values, awkward text. */
final class KitValues {
    private KitValues() {
    }

    /** A member record with every field Patroni writes, plus nested and unknown ones. */
    static MemberData fullMember(String name, long xlog) {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("zone", "eu-west-1a");
        nested.put("weights", List.of(1L, 2.5, "three", true));
        nested.put("empty", Map.of());
        Map<String, Object> tags = new LinkedHashMap<>();
        tags.put("nofailover", false);
        tags.put("noloadbalance", true);
        tags.put("clonefrom", true);
        tags.put("replicatefrom", "node0");
        tags.put("failover_priority", 2L);
        tags.put("custom", nested);
        Map<String, Object> reason = new LinkedHashMap<>();
        reason.put("max_connections", Map.of("old_value", "100", "new_value", "200"));
        Map<String, Object> unknown = new LinkedHashMap<>();
        unknown.put("list", Arrays.asList(1L, null, -3L, "x"));
        unknown.put("pi", 3.25);
        return MemberData.builder()
                .put("conn_url", "postgres://10.0.0.7:5432/postgres")
                .put("api_url", "http://10.0.0.7:8008/patroni")
                .put("state", "running")
                .put("role", "replica")
                .put("version", "4.1.4")
                .put("proxy_url", "postgres://10.0.0.7:6432/postgres")
                .put("xlog_location", xlog)
                .put("replication_state", "streaming")
                .put("timeline", 3L)
                .put("receive_lsn", xlog)
                .put("replay_lsn", xlog - 16)
                .put("tags", tags)
                .put("pending_restart", true)
                .put("pending_restart_reason", reason)
                .put("member_name_echo", name)
                .put("x_unknown_future_field", unknown)
                .put("note", "ünïcødé ✓ \"quoted\" back\\slash\nnew line\ttab")
                .build();
    }

    /** A small member record naming its owner (for scale and isolation checks). */
    static MemberData smallMember(String name) {
        return MemberData.builder()
                .put("conn_url", "postgres://127.0.0.1:5432/postgres")
                .put("api_url", "http://127.0.0.1:8008/patroni/" + name)
                .put("state", "running")
                .put("role", "replica")
                .put("version", "4.1.4")
                .put("kit_owner", name)
                .build();
    }

    static Map<String, Object> config(long variant) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("max_connections", 100L);
        params.put("wal_level", "replica");
        params.put("hot_standby", "on");
        Map<String, Object> pg = new LinkedHashMap<>();
        pg.put("use_pg_rewind", true);
        pg.put("parameters", params);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("ttl", 30L);
        c.put("loop_wait", 10L);
        c.put("retry_timeout", 10L);
        c.put("maximum_lag_on_failover", 1048576L);
        c.put("postgresql", pg);
        c.put("synchronous_node_count", 1L);
        c.put("ignore_slots", List.of(Map.of("plugin", "wal2json")));
        c.put("kit_variant", variant);
        return c;
    }

    static SyncState sync(long variant) {
        return new SyncState(0, Optional.of("node" + variant), List.of("alpha", "beta"), Optional.of(1));
    }

    static FailoverRequest failover(long variant) {
        return new FailoverRequest(0, Optional.of("node" + variant), Optional.of("candidate"),
                Optional.of(OffsetDateTime.of(2030, 1, 2, 3, 4, 5, 0, ZoneOffset.ofHours(2))));
    }

    static List<HistoryEntry> history(long variant) {
        List<HistoryEntry> h = new ArrayList<>();
        h.add(new HistoryEntry(1, 50331808L, "no recovery target specified", Optional.empty(), Optional.empty()));
        h.add(new HistoryEntry(2, 83886240L + variant, "no recovery target specified",
                Optional.of("2026-11-21T10:11:12.123456+00:00"), Optional.of("node" + variant)));
        return h;
    }

    static LeaderStatus status(long optime) {
        Map<String, Long> slots = new LinkedHashMap<>();
        slots.put("node2", optime - 100);
        slots.put("permanent_logical", optime - 5000);
        return new LeaderStatus(optime, slots, List.of("node3", "node4"));
    }

    static Map<String, String> failsafe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("node1", "http://10.0.0.1:8008/patroni");
        m.put("node2", "http://10.0.0.2:8008/patroni");
        return m;
    }

    static String sysid(long variant) {
        return String.valueOf(7_234_567_890_123_456_000L + variant);
    }

    /** A string of {@code size} characters that is not valid JSON. */
    static String hugeGarbage(int size) {
        StringBuilder sb = new StringBuilder(size);
        sb.append("{\"conn_url\":\"");
        while (sb.length() < size) {
            sb.append("garbage-");
        }
        sb.setLength(size);
        return sb.toString();
    }

    /** A valid JSON member object of about {@code size} characters (too big for a member value). */
    static String hugeMemberJson(int size) {
        StringBuilder sb = new StringBuilder(size + 64);
        sb.append("{\"conn_url\":\"postgres://h:5432/postgres\",\"api_url\":\"http://h:8008/patroni\",\"pad\":\"");
        while (sb.length() < size - 2) {
            sb.append('p');
        }
        sb.append("\"}");
        return sb.toString();
    }
}
