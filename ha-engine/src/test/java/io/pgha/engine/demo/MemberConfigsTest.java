package io.pgha.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.config.ConfigLoader;
import io.pgha.engine.config.LoadedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pgha demo member configurations")
class MemberConfigsTest {

    private static final DemoSecrets SECRETS = new DemoSecrets("su-pw", "repl-pw");

    private static Map<String, MemberPorts> ports(int n) {
        Map<String, MemberPorts> m = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
            m.put("pg" + i, new MemberPorts(8007 + i, 5431 + i, 21000 + i, 22000 + i, 23000 + i));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> tree, String... path) {
        Object o = tree;
        for (String p : path) {
            o = ((Map<String, Object>) o).get(p);
        }
        return (T) o;
    }

    @Test
    @DisplayName("each member gets its name, loopback addresses, its data directory and the shared passwords")
    void member() {
        MemberConfigs c = new MemberConfigs(DemoOptionsTest.options(3, DemoDcs.ZOOKEEPER, List.of()), ports(3), SECRETS);
        Map<String, Object> t = c.tree("pg2");
        assertEquals("demo", t.get("scope"));
        assertEquals("pg2", t.get("name"));
        assertEquals("127.0.0.1:8009", at(t, "restapi", "listen"));
        assertEquals("127.0.0.1:8009", at(t, "restapi", "connect_address"));
        assertEquals("127.0.0.1:5433", at(t, "postgresql", "listen"));
        assertEquals("127.0.0.1:5433", at(t, "postgresql", "connect_address"));
        assertEquals("/tmp/pgha-demo/pg2/data", at(t, "postgresql", "data_dir"));
        assertEquals("postgres", at(t, "postgresql", "authentication", "superuser", "username"));
        assertEquals("su-pw", at(t, "postgresql", "authentication", "superuser", "password"));
        assertEquals("replicator", at(t, "postgresql", "authentication", "replication", "username"));
        assertEquals("repl-pw", at(t, "postgresql", "authentication", "replication", "password"));
        assertEquals(20, (int) at(t, "bootstrap", "dcs", "ttl"));
        assertEquals(true, at(t, "bootstrap", "dcs", "postgresql", "use_pg_rewind"));
        assertEquals(true, at(t, "bootstrap", "dcs", "postgresql", "use_slots"));
        assertEquals("on", at(t, "bootstrap", "dcs", "postgresql", "parameters", "wal_log_hints"));
        assertEquals(List.of(Map.of("encoding", "UTF8"), "data-checksums"), at(t, "bootstrap", "initdb"));
        assertEquals(List.of("local all all trust", "host all all 127.0.0.1/32 md5",
                "host replication replicator 127.0.0.1/32 md5"), at(t, "bootstrap", "pg_hba"));
    }

    @Test
    @DisplayName("with ZooKeeper every member lists the same peers in the same order, its position being its id")
    void zookeeperQuorum() {
        MemberConfigs c = new MemberConfigs(DemoOptionsTest.options(3, DemoDcs.ZOOKEEPER, List.of()), ports(3), SECRETS);
        List<String> expected = List.of("127.0.0.1:22001:23001;21001", "127.0.0.1:22002:23002;21002",
                "127.0.0.1:22003:23003;21003");
        for (int i = 1; i <= 3; i++) {
            Map<String, Object> t = c.tree("pg" + i);
            assertEquals(expected, at(t, "zookeeper", "embedded", "peers"));
            assertEquals(i, (int) at(t, "zookeeper", "embedded", "server_id"));
            assertFalse(t.containsKey("etcd3"));
        }
    }

    @Test
    @DisplayName("one member with ZooKeeper runs a standalone server on its client port")
    void zookeeperStandalone() {
        MemberConfigs c = new MemberConfigs(DemoOptionsTest.options(1, DemoDcs.ZOOKEEPER, List.of()), ports(1), SECRETS);
        Map<String, Object> embedded = at(c.tree("pg1"), "zookeeper", "embedded");
        assertEquals(Map.of("client_address", "127.0.0.1", "client_port", 21001), embedded);
    }

    @Test
    @DisplayName("with etcd the members use the etcd3 section with the given hosts")
    void etcd() {
        MemberConfigs c = new MemberConfigs(DemoOptionsTest.options(2, DemoDcs.ETCD,
                List.of("127.0.0.1:2379", "127.0.0.1:22379")), ports(2), SECRETS);
        Map<String, Object> t = c.tree("pg1");
        assertEquals(Map.of("hosts", List.of("127.0.0.1:2379", "127.0.0.1:22379")), t.get("etcd3"));
        assertFalse(t.containsKey("zookeeper"));
    }

    @Test
    @DisplayName("the written YAML loads as the agent loads it, without errors, and means the same tree")
    void yamlLoads(@TempDir Path dir) throws Exception {
        for (DemoDcs dcs : DemoDcs.values()) {
            DemoOptions o = DemoOptionsTest.options(3, dcs, dcs == DemoDcs.ETCD ? List.of("127.0.0.1:2379") : List.of());
            MemberConfigs c = new MemberConfigs(o, ports(3), SECRETS);
            Path file = dir.resolve(dcs + ".yml");
            Files.writeString(file, c.yaml("pg3"));
            LoadedConfig loaded = new ConfigLoader(Map.of(), Set.of()).load(Optional.of(file));
            assertEquals("pg3", loaded.config().name());
            assertEquals(dcs.section(), loaded.config().dcs().name());
            // "on" must stay a string (YAML 1.1 would read a bare on as true)
            assertEquals("on", at(loaded.tree(), "bootstrap", "dcs", "postgresql", "parameters", "wal_log_hints"));
            assertEquals(c.tree("pg3").toString(), loaded.tree().toString());
            assertTrue(Files.readString(file).startsWith("# Written by 'pgha demo'"));
        }
    }
}
