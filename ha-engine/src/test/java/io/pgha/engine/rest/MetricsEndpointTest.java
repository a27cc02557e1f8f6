package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.rest.PrometheusText.Family;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GET /metrics")
class MetricsEndpointTest {
    static final Fixtures.Sources SOURCES = new Fixtures.Sources();
    static final Map<String, String> LABELS = Map.of("scope", "batman", "name", "node1");
    /** Every metric Patroni 4.1.4 serves (patroni_master went with 4.0). */
    static final List<String> PATRONI = List.of("patroni_version", "patroni_postgres_running",
            "patroni_postmaster_start_time", "patroni_primary", "patroni_xlog_location", "patroni_standby_leader",
            "patroni_replica", "patroni_sync_standby", "patroni_quorum_standby", "patroni_xlog_received_location",
            "patroni_xlog_replayed_location", "patroni_xlog_replayed_timestamp", "patroni_xlog_paused",
            "patroni_postgres_streaming", "patroni_postgres_in_archive_recovery", "patroni_postgres_server_version",
            "patroni_cluster_unlocked", "patroni_failsafe_mode_is_active", "patroni_postgres_timeline",
            "patroni_dcs_last_seen", "patroni_pending_restart", "patroni_is_paused", "patroni_postgres_state");
    static RestApiServer server;
    static Http http;

    @BeforeAll
    static void start() {
        server = RestApiServer.builder(RestApiSettings.listen("127.0.0.1", 0)).identity("batman", "node1")
                .memberStatus(SOURCES).clusterView(SOURCES).switchover(SOURCES).build();
        server.start();
        http = Http.to(server);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @BeforeEach
    void reset() {
        SOURCES.reset();
    }

    private static Map<String, Family> scrape() {
        Http.Response r = http.get("/metrics");
        assertEquals(200, r.status(), r.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.header("Content-Type"));
        return PrometheusText.parse(r.body());
    }

    private static double value(Map<String, Family> f, String name) {
        return PrometheusText.value(f, name, LABELS);
    }

    @Test
    @DisplayName("parses as Prometheus text and carries every Patroni metric with scope and name labels and help")
    void patroniNames() {
        Map<String, Family> f = scrape();
        for (String name : PATRONI) {
            Family family = f.get(name);
            assertTrue(family != null, name + " is served");
            assertEquals("gauge", family.type(), name);
            assertTrue(family.help() != null && !family.help().isBlank(), name + " has help");
            assertEquals(1, family.samples().size(), name);
            assertEquals(LABELS, family.samples().get(0).labels(), name);
        }
        assertEquals(40104, value(f, "patroni_version"));
    }

    @Test
    @DisplayName("a running primary holding the lock: primary 1, its WAL position and timeline, cluster locked")
    void primary() {
        SOURCES.member.set(Fixtures.primary().build());
        Map<String, Family> f = scrape();
        assertEquals(1, value(f, "patroni_postgres_running"));
        assertEquals(1, value(f, "patroni_primary"));
        assertEquals(0, value(f, "patroni_replica"));
        assertEquals(1000, value(f, "patroni_xlog_location"));
        assertEquals(0, value(f, "patroni_xlog_received_location"));
        assertEquals(2, value(f, "patroni_postgres_timeline"));
        assertEquals(150004, value(f, "patroni_postgres_server_version"));
        assertEquals(0, value(f, "patroni_cluster_unlocked"));
        assertEquals(5, value(f, "patroni_postgres_state"));
        assertEquals(Fixtures.STARTED.getEpochSecond() + 0.125, value(f, "patroni_postmaster_start_time"), 1e-6);
        assertTrue(value(f, "patroni_dcs_last_seen") > 1.7e9, "dcs_last_seen is an epoch");
    }

    @Test
    @DisplayName("a streaming replica: replica 1, received and replayed positions, streaming 1")
    void replica() {
        SOURCES.member.set(Fixtures.replica().build());
        Map<String, Family> f = scrape();
        assertEquals(0, value(f, "patroni_primary"));
        assertEquals(1, value(f, "patroni_replica"));
        assertEquals(0, value(f, "patroni_xlog_location"));
        assertEquals(990, value(f, "patroni_xlog_received_location"));
        assertEquals(980, value(f, "patroni_xlog_replayed_location"));
        assertEquals(Fixtures.STARTED.getEpochSecond() + 60.125, value(f, "patroni_xlog_replayed_timestamp"), 1e-6);
        assertEquals(1, value(f, "patroni_postgres_streaming"));
        assertEquals(0, value(f, "patroni_postgres_in_archive_recovery"));
    }

    @Test
    @DisplayName("a stopped member with no DCS view: not running, state 12, cluster unlocked, zeros elsewhere")
    void stoppedWithoutDcs() {
        SOURCES.member.set(Fixtures.stopped().build());
        SOURCES.last.set(java.util.Optional.empty());
        Map<String, Family> f = scrape();
        assertEquals(0, value(f, "patroni_postgres_running"));
        assertEquals(12, value(f, "patroni_postgres_state"));
        assertEquals(1, value(f, "patroni_cluster_unlocked"));
        assertEquals(0, value(f, "patroni_postgres_timeline"));
        assertEquals(0, value(f, "patroni_dcs_last_seen"));
    }

    @Test
    @DisplayName("HEAD and OPTIONS /metrics answer 503 as in Patroni (they are not health checks)")
    void headAndOptions() {
        assertEquals(503, http.head("/metrics").status());
        assertEquals(503, http.options("/metrics").status());
    }

    @Test
    @DisplayName("the strict parser rejects what Prometheus would reject")
    void parserIsStrict() {
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a 1"), "no final newline");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a 1\nb 2\na{x=\"1\"} 3\n"),
                "family split in two");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a{x=\"1\"} 1\na{x=\"1\"} 2\n"),
                "duplicate series");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a{x=\"\\q\"} 1\n"), "bad escape");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a 1.2.3\n"), "bad value");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("9a 1\n"), "bad name");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a 1\n# TYPE a gauge\n"),
                "TYPE after samples");
        assertEquals(1, PrometheusText.parse("# HELP a x\n# TYPE a gauge\na{b=\"c\\\"d\"} 1 1700000000000\n")
                .get("a").samples().size());
    }
}
