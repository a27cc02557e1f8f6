package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.spi.json.Json;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reference documents in the shape Patroni 4.1 answers (field names and JSON types; values are made up), and a
 * structural comparison: same keys at every level, same JSON kinds (arrays compared element by element, the last
 * reference element standing for any further ones).
 */
final class JsonShape {
    static final String PRIMARY_REFERENCE = """
            {"state": "running", "postmaster_start_time": "2025-03-01 10:00:00.123456+00:00", "role": "primary",
             "server_version": 160002, "xlog": {"location": 50331800}, "timeline": 3,
             "replication": [{"usename": "repl", "application_name": "pg2", "client_addr": "192.168.1.12",
                              "state": "streaming", "sync_state": "async", "sync_priority": 0}],
             "dcs_last_seen": 1740823200, "tags": {"clonefrom": true},
             "database_system_identifier": "7477000000000000001", "pending_restart": true,
             "pending_restart_reason": {"max_connections": {"old_value": "100", "new_value": "200"}},
             "patroni": {"version": "4.1.4", "scope": "demo", "name": "pg1"}}
            """;
    static final String REPLICA_REFERENCE = """
            {"state": "running", "postmaster_start_time": "2025-03-01 10:00:00.123456+00:00", "role": "replica",
             "server_version": 160002,
             "xlog": {"received_location": 50331800, "replayed_location": 50331700,
                      "replayed_timestamp": "2025-03-01 10:05:00.5+00:00", "paused": false},
             "timeline": 3, "replication_state": "streaming", "dcs_last_seen": 1740823200,
             "database_system_identifier": "7477000000000000001",
             "patroni": {"version": "4.1.4", "scope": "demo", "name": "pg2"}}
            """;
    static final String STOPPED_REFERENCE = """
            {"state": "stopped", "role": "replica", "pause": true, "cluster_unlocked": true,
             "dcs_last_seen": 1740823200, "database_system_identifier": "7477000000000000001",
             "patroni": {"version": "4.1.4", "scope": "demo", "name": "pg3"}}
            """;
    static final String CLUSTER_REFERENCE = """
            {"members": [
              {"name": "pg0", "role": "replica", "state": "stopped", "api_url": null, "host": "::1", "port": 5432,
               "receive_lsn": "unknown", "receive_lag": "unknown", "replay_lsn": "unknown", "replay_lag": "unknown",
               "lsn": "unknown", "lag": "unknown"},
              {"name": "pg1", "role": "leader", "state": "running", "api_url": "http://10.0.0.1:8008/patroni",
               "host": "10.0.0.1", "port": 5432, "timeline": 3},
              {"name": "pg2", "role": "replica", "state": "streaming", "api_url": "http://10.0.0.2:8008/patroni",
               "host": "10.0.0.2", "port": 5432, "timeline": 3, "tags": {"dc": "east"},
               "receive_lag": 0, "receive_lsn": "0/3000098", "replay_lag": 0, "replay_lsn": "0/3000098",
               "lag": 0, "lsn": "0/3000098"}],
             "scheduled_switchover": {"at": "2025-03-01T12:00:00+00:00", "from": "pg1", "to": "pg2"},
             "scope": "demo"}
            """;

    private JsonShape() {
    }

    static void assertSameShape(String referenceJson, Object actual) {
        compare("$", Json.parse(referenceJson), actual);
    }

    private static void compare(String path, Object expected, Object actual) {
        assertEquals(Json.kind(expected), Json.kind(actual), path + " has the wrong JSON type");
        if (expected instanceof Map<?, ?> e && actual instanceof Map<?, ?> a) {
            assertEquals(new TreeSet<>(keys(e)), new TreeSet<>(keys(a)), path + " has different fields");
            for (Object k : e.keySet()) {
                compare(path + "." + k, e.get(k), a.get(k));
            }
        } else if (expected instanceof List<?> e && actual instanceof List<?> a) {
            if (e.isEmpty() != a.isEmpty()) {
                fail(path + ": expected " + (e.isEmpty() ? "an empty" : "a non-empty") + " array");
            }
            for (int i = 0; i < a.size(); i++) {
                compare(path + "[" + i + "]", e.get(Math.min(i, e.size() - 1)), a.get(i));
            }
        }
    }

    private static java.util.Set<String> keys(Map<?, ?> m) {
        java.util.Set<String> out = new java.util.HashSet<>();
        m.keySet().forEach(k -> out.add(String.valueOf(k)));
        return out;
    }
}
