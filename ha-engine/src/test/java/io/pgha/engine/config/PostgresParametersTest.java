package io.pgha.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PostgresParametersTest {

    private static PghaConfig local(String overlay) {
        return ConfigTestSupport.load(ConfigTestSupport.minimalWith(overlay)).config();
    }

    private static DynamicConfig dynamic(String text) {
        return DynamicConfig.from(ConfigTestSupport.yaml(text), new ArrayList<>());
    }

    @Test
    @DisplayName("with nothing configured: the restart-only defaults, listen address, port and cluster name")
    void defaults() {
        Map<String, String> expected = new LinkedHashMap<>(PostgresParameters.RESTART_ONLY_DEFAULTS);
        expected.put("listen_addresses", "127.0.0.1");
        expected.put("port", "5432");
        expected.put("cluster_name", "unit");
        assertEquals(expected, PostgresParameters.effective(local(""), DynamicConfig.DEFAULTS));
        assertEquals("100", expected.get("max_connections"));
        assertEquals("replica", expected.get("wal_level"));
        assertEquals("128MB", expected.get("wal_keep_size"));
    }

    @Test
    @DisplayName("restart-only parameters come from the dynamic configuration; invalid values fall back to defaults")
    void restartOnlyFromDynamic() {
        Map<String, String> p = PostgresParameters.effective(local("postgresql:\n  parameters:\n"
                + "    max_connections: 999\n    max_wal_senders: 99\n"), dynamic("postgresql:\n  parameters:\n"
                + "    max_connections: 250\n    max_wal_senders: 2\n    wal_level: minimal\n    hot_standby: off\n"
                + "    max_locks_per_transaction: 128\n    track_commit_timestamp: true\n    wal_log_hints: false\n"
                + "    max_worker_processes: lots\n"));
        assertEquals("250", p.get("max_connections"));
        assertEquals("10", p.get("max_wal_senders")); // 2 < 3
        assertEquals("replica", p.get("wal_level"));
        assertEquals("on", p.get("hot_standby"));
        assertEquals("128", p.get("max_locks_per_transaction"));
        assertEquals("on", p.get("track_commit_timestamp"));
        assertEquals("off", p.get("wal_log_hints"));
        assertEquals("8", p.get("max_worker_processes"));
    }

    @Test
    @DisplayName("other parameters: the local value wins over the dynamic one")
    void localWins() {
        Map<String, String> p = PostgresParameters.effective(local("postgresql:\n  parameters:\n    work_mem: 64MB\n"
                + "    Shared_Buffers: 2GB\n    jit: off\n"), dynamic("postgresql:\n  parameters:\n    work_mem: 8MB\n"
                + "    shared_buffers: 1GB\n    statement_timeout: 0\n    random_page_cost: 1.10\n"));
        assertEquals("64MB", p.get("work_mem"));
        assertEquals("2GB", p.get("shared_buffers"));
        assertEquals("off", p.get("jit"));
        assertEquals("0", p.get("statement_timeout"));
        assertEquals("1.1", p.get("random_page_cost"));
    }

    @Test
    @DisplayName("listen_addresses, port and cluster_name cannot be set through parameters")
    void agentSet() {
        Map<String, String> p = PostgresParameters.effective(local("scope: shop\npostgresql:\n  listen: '10.0.0.1,127.0.0.1:5433'\n"
                + "  parameters:\n    port: 1\n    listen_addresses: '*'\n"), dynamic("postgresql:\n  parameters:\n"
                + "    cluster_name: x\n    port: 2\n"));
        assertEquals("10.0.0.1,127.0.0.1", p.get("listen_addresses"));
        assertEquals("5433", p.get("port"));
        assertEquals("shop", p.get("cluster_name"));
    }

    @Test
    @DisplayName("wal_keep_segments becomes wal_keep_size from PostgreSQL 13; before 13 it is kept (default 8)")
    void walKeep() {
        DynamicConfig segs = dynamic("postgresql:\n  parameters:\n    wal_keep_segments: 20\n");
        Map<String, String> p13 = PostgresParameters.effective(local(""), segs);
        assertEquals("320MB", p13.get("wal_keep_size"));
        assertFalse(p13.containsKey("wal_keep_segments"));
        Map<String, String> p12 = PostgresParameters.effective(local(""), segs, 12);
        assertEquals("20", p12.get("wal_keep_segments"));
        assertFalse(p12.containsKey("wal_keep_size"));
        assertEquals("8", PostgresParameters.effective(local(""), DynamicConfig.DEFAULTS, 12).get("wal_keep_segments"));
        assertEquals("1GB", PostgresParameters.effective(local(""),
                dynamic("postgresql:\n  parameters:\n    wal_keep_size: 1GB\n    wal_keep_segments: 20\n")).get("wal_keep_size"));
        assertEquals("128MB", PostgresParameters.effective(local(""),
                dynamic("postgresql:\n  parameters:\n    wal_keep_size: 8MB\n")).get("wal_keep_size"));
    }

    @Test
    @DisplayName("validRestartOnly normalises accepted values and refuses the rest")
    void validation() {
        assertEquals(Optional.of("logical"), PostgresParameters.validRestartOnly("WAL_LEVEL", "Logical"));
        assertEquals(Optional.empty(), PostgresParameters.validRestartOnly("max_connections", "24"));
        assertEquals(Optional.of("25"), PostgresParameters.validRestartOnly("max_connections", " 25 "));
        assertEquals(Optional.of("0"), PostgresParameters.validRestartOnly("max_prepared_transactions", "0"));
        assertEquals(Optional.of("16MB"), PostgresParameters.validRestartOnly("wal_keep_size", "16"));
        assertEquals(Optional.of("on"), PostgresParameters.validRestartOnly("hot_standby", "yes"));
        assertEquals(Optional.empty(), PostgresParameters.validRestartOnly("hot_standby", "off"));
    }
}
