package io.pgha.dcs.zookeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ZooKeeperSettingsTest {

    private static ZooKeeperSettings parse(Map<String, ?> values, List<ConfigProblem> problems) {
        return ZooKeeperSettings.parse(new ConfigSection("zookeeper", values), problems);
    }

    private static ZooKeeperSettings parseOk(Map<String, ?> values) {
        List<ConfigProblem> problems = new ArrayList<>();
        ZooKeeperSettings s = parse(values, problems);
        assertEquals(List.of(), problems.stream().filter(ConfigProblem::isError).toList());
        return s;
    }

    /** Error paths mapped to their messages. */
    private static Map<String, String> errors(Map<String, ?> values) {
        List<ConfigProblem> problems = new ArrayList<>();
        parse(values, problems);
        return problems.stream().filter(ConfigProblem::isError)
                .collect(Collectors.toMap(ConfigProblem::path, ConfigProblem::message, (a, b) -> a + " | " + b,
                        TreeMap::new));
    }

    private static Map<String, String> warnings(Map<String, ?> values) {
        List<ConfigProblem> problems = new ArrayList<>();
        parse(values, problems);
        return problems.stream().filter(p -> !p.isError())
                .collect(Collectors.toMap(ConfigProblem::path, ConfigProblem::message, (a, b) -> a + " | " + b,
                        TreeMap::new));
    }

    @Nested
    @DisplayName("hosts")
    class Hosts {
        @Test
        @DisplayName("a list, a comma string and a default port all give host:port entries")
        void forms() {
            assertEquals(List.of("zk1:2181", "zk2:2182"), parseOk(Map.of("hosts", List.of("zk1", "zk2:2182"))).hosts());
            assertEquals(List.of("zk1:2181", "10.0.0.2:2888"), parseOk(Map.of("hosts", "zk1:2181, 10.0.0.2:2888")).hosts());
            assertEquals(List.of("[::1]:2181"), parseOk(Map.of("hosts", List.of("[::1]:2181"))).hosts());
            assertEquals("zk1:2181,zk2:2182",
                    parseOk(Map.of("hosts", List.of("zk1", "zk2:2182"))).connectString(Optional.empty()));
        }

        @Test
        @DisplayName("hosts are required unless the embedded server provides them")
        void required() {
            assertTrue(errors(Map.of()).get("zookeeper.hosts").contains("is missing"));
            assertEquals(Map.of(), errors(Map.of("embedded", Map.of())));
            ZooKeeperSettings s = parseOk(Map.of("embedded", Map.of()));
            assertEquals("127.0.0.1:2181", s.connectString(Optional.of("127.0.0.1:2181")));
        }

        @Test
        @DisplayName("a bare 'embedded:' (null) means the embedded server with defaults")
        void bareEmbedded() {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("embedded", null);
            ZooKeeperSettings s = parseOk(v);
            assertTrue(s.embedded().isPresent());
            assertEquals(2181, s.embedded().get().clientPort());
            assertEquals("127.0.0.1", s.embedded().get().clientAddress());
            assertEquals(Duration.ofMillis(500), s.embedded().get().tickTime());
            assertFalse(s.embedded().get().isQuorum());
        }

        @Test
        @DisplayName("bad entries are reported with their index; a chroot gets a hint")
        void badEntries() {
            Map<String, String> e = errors(Map.of("hosts", List.of("zk1:99999", "zk2:2181/pgha", "ok:1", "a b")));
            assertEquals(Set.of("zookeeper.hosts[0]", "zookeeper.hosts[1]", "zookeeper.hosts[3]"), e.keySet());
            assertTrue(e.get("zookeeper.hosts[0]").contains("99999"));
            assertTrue(e.get("zookeeper.hosts[1]").contains("chroot"));
            assertTrue(errors(Map.of("hosts", Map.of("a", 1))).get("zookeeper.hosts").contains("expected a list"));
        }
    }

    @Nested
    @DisplayName("TLS, ACLs and authentication")
    class Security {
        @Test
        @DisplayName("TLS options are read when use_ssl is on, and ignored with a warning otherwise")
        void tls() {
            ZooKeeperSettings s = parseOk(Map.of("hosts", "zk:2281", "use_ssl", "yes", "cacert", "/ca.pem",
                    "cert", "/c.pem", "key", "/k.pem", "key_password", "pw", "verify", false));
            ZooKeeperSettings.Tls tls = s.tls().orElseThrow();
            assertEquals(Optional.of("/ca.pem"), tls.cacert());
            assertEquals(Optional.of("/c.pem"), tls.cert());
            assertEquals(Optional.of("/k.pem"), tls.key());
            assertEquals(Optional.of("pw"), tls.keyPassword());
            assertFalse(tls.verify());
            assertFalse(s.toString().contains("pw"), "the key password must be masked: " + s);

            assertTrue(parseOk(Map.of("hosts", "zk", "cacert", "/ca.pem")).tls().isEmpty());
            assertTrue(warnings(Map.of("hosts", "zk", "cacert", "/ca.pem")).get("zookeeper.cacert").contains("use_ssl"));
        }

        @Test
        @DisplayName("cert without key (and the reverse) is an error")
        void certNeedsKey() {
            assertTrue(errors(Map.of("hosts", "zk", "use_ssl", true, "cert", "/c.pem")).containsKey("zookeeper.key"));
            assertTrue(errors(Map.of("hosts", "zk", "use_ssl", true, "key", "/k.pem")).containsKey("zookeeper.cert"));
            assertTrue(errors(Map.of("hosts", "zk", "use_ssl", "maybe")).containsKey("zookeeper.use_ssl"));
        }

        @Test
        @DisplayName("set_acls maps principals to ZooKeeper ACLs; a bare principal is an x509 subject")
        void acls() {
            Map<String, Object> acls = new LinkedHashMap<>();
            acls.put("CN=pgha", List.of("ALL"));
            acls.put("digest:admin:aGFzaA==", List.of("read", "Write", "CREATE", "DELETE", "ADMIN"));
            acls.put("world:anyone", List.of("READ"));
            ZooKeeperSettings s = parseOk(Map.of("hosts", "zk", "set_acls", acls));
            List<ACL> zk = ZooKeeperClients.acl(s);
            assertEquals(List.of(new ACL(ZooDefs.Perms.ALL, new Id("x509", "CN=pgha")),
                    new ACL(ZooDefs.Perms.ALL, new Id("digest", "admin:aGFzaA==")),
                    new ACL(ZooDefs.Perms.READ, new Id("world", "anyone"))), zk);
            assertEquals(ZooDefs.Ids.OPEN_ACL_UNSAFE, ZooKeeperClients.acl(parseOk(Map.of("hosts", "zk"))));
        }

        @Test
        @DisplayName("bad ACL entries are reported per principal")
        void badAcls() {
            Map<String, Object> acls = new LinkedHashMap<>();
            acls.put("digest:a:b", List.of("READ", "FLY"));
            acls.put("x:", List.of("READ"));
            acls.put("CN=x", Map.of("READ", true));
            acls.put("ip:10.0.0.1", List.of());
            Map<String, String> e = errors(Map.of("hosts", "zk", "set_acls", acls));
            assertTrue(e.get("zookeeper.set_acls.digest:a:b").contains("FLY"), e.toString());
            assertTrue(e.get("zookeeper.set_acls.x:").contains("scheme:id"), e.toString());
            assertTrue(e.get("zookeeper.set_acls.CN=x").contains("list of permissions"), e.toString());
            assertTrue(e.get("zookeeper.set_acls.ip:10.0.0.1").contains("no permission"), e.toString());
            assertTrue(errors(Map.of("hosts", "zk", "set_acls", List.of("a"))).containsKey("zookeeper.set_acls"));
        }

        @Test
        @DisplayName("auth_data is a mapping of scheme to credential, masked in toString")
        void authData() {
            ZooKeeperSettings s = parseOk(Map.of("hosts", "zk", "auth_data", Map.of("digest", "user:secret")));
            assertEquals(Map.of("digest", "user:secret"), s.authData());
            assertFalse(s.toString().contains("secret"), s.toString());
            assertTrue(errors(Map.of("hosts", "zk", "auth_data", "digest:user:secret")).containsKey("zookeeper.auth_data"));
            assertTrue(errors(Map.of("hosts", "zk", "auth_data", Map.of("digest", List.of("x"))))
                    .containsKey("zookeeper.auth_data.digest"));
        }
    }

    @Nested
    @DisplayName("embedded")
    class Embedded {
        @Test
        @DisplayName("standalone options are read")
        void standalone() {
            ZooKeeperSettings.EmbeddedSettings e = parseOk(Map.of("embedded", Map.of("data_dir", "/var/lib/zk",
                    "client_port", 2999, "client_address", "0.0.0.0", "tick_time", "250ms"))).embedded().orElseThrow();
            assertEquals(Optional.of(Path.of("/var/lib/zk")), e.dataDir());
            assertEquals(2999, e.clientPort());
            assertEquals(Duration.ofMillis(250), e.tickTime());
            assertEquals("127.0.0.1:2999", e.clientConnectString(2999));
        }

        @Test
        @DisplayName("quorum peers give server ids by position and the default connect string lists every peer")
        void quorum() {
            ZooKeeperSettings.EmbeddedSettings e = parseOk(Map.of("embedded", Map.of("server_id", 2, "client_port", 2182,
                    "peers", List.of("10.0.0.1:2888:3888;2181", "10.0.0.2:2888:3888", "10.0.0.3:2888:3888;zk3:2183"))))
                    .embedded().orElseThrow();
            assertTrue(e.isQuorum());
            assertEquals(2, e.serverId());
            assertEquals(3, e.peers().size());
            assertEquals("10.0.0.1:2181,127.0.0.1:2182,zk3:2183", e.clientConnectString(2182));
        }

        @Test
        @DisplayName("the own peer's client port is used, and a contradicting client_port is an error")
        void ownClientPort() {
            ZooKeeperSettings.EmbeddedSettings e = parseOk(Map.of("embedded", Map.of("server_id", 1,
                    "peers", List.of("127.0.0.1:2888:3888;2191", "127.0.0.1:2889:3889;2192")))).embedded().orElseThrow();
            assertEquals(2191, e.clientPort());
            assertTrue(errors(Map.of("embedded", Map.of("server_id", 1, "client_port", 2000,
                    "peers", List.of("127.0.0.1:2888:3888;2191", "127.0.0.1:2889:3889;2192"))))
                    .containsKey("zookeeper.embedded.client_port"));
        }

        @Test
        @DisplayName("every embedded problem is reported at once, with its path")
        void everyProblem() {
            Map<String, Object> emb = new LinkedHashMap<>();
            emb.put("client_port", 70000);
            emb.put("tick_time", "1h");
            emb.put("init_limit", 0);
            emb.put("data_dir", " ");
            emb.put("peers", List.of("h1:2888:3888", "h2:2888", "h1:2888:3999", "h3:1:1"));
            emb.put("server_id", 9);
            emb.put("colour", "blue");
            List<ConfigProblem> problems = new ArrayList<>();
            parse(Map.of("embedded", emb), problems);
            Set<String> errorPaths = problems.stream().filter(ConfigProblem::isError).map(ConfigProblem::path)
                    .collect(Collectors.toSet());
            assertEquals(Set.of("zookeeper.embedded.client_port", "zookeeper.embedded.tick_time",
                    "zookeeper.embedded.init_limit", "zookeeper.embedded.data_dir", "zookeeper.embedded.peers[1]",
                    "zookeeper.embedded.peers[2]", "zookeeper.embedded.peers[3]", "zookeeper.embedded.server_id"),
                    errorPaths, problems.toString());
            assertTrue(problems.stream().anyMatch(p -> !p.isError() && p.path().equals("zookeeper.embedded.colour")));
        }

        @Test
        @DisplayName("several peers need a server_id; one peer is standalone with a warning")
        void serverId() {
            assertTrue(errors(Map.of("embedded", Map.of("peers", List.of("a:1:2", "b:1:2"))))
                    .get("zookeeper.embedded.server_id").contains("is missing"));
            ZooKeeperSettings s = parseOk(Map.of("embedded", Map.of("peers", List.of("a:1:2"))));
            assertFalse(s.embedded().orElseThrow().isQuorum());
            assertTrue(warnings(Map.of("embedded", Map.of("peers", List.of("a:1:2")))).containsKey("zookeeper.embedded.peers"));
            assertTrue(errors(Map.of("embedded", Map.of("peers", List.of("a:1:2", "b:1:2"), "server_id", 1,
                    "client_port", 0))).containsKey("zookeeper.embedded.client_port"));
        }
    }

    @Test
    @DisplayName("every top-level problem is reported at once; unknown keys are warnings")
    void everyProblemAtOnce() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("hosts", List.of("zk1:0"));
        v.put("connect_timeout", "soon");
        v.put("use_ssl", "perhaps");
        v.put("set_acls", "everyone");
        v.put("auth_data", List.of());
        v.put("embedded", "yes");
        v.put("exhibitor", Map.of());
        List<ConfigProblem> problems = new ArrayList<>();
        parse(v, problems);
        Set<String> errorPaths = problems.stream().filter(ConfigProblem::isError).map(ConfigProblem::path)
                .collect(Collectors.toSet());
        assertEquals(Set.of("zookeeper.hosts[0]", "zookeeper.connect_timeout", "zookeeper.use_ssl", "zookeeper.set_acls",
                "zookeeper.auth_data", "zookeeper.embedded"), errorPaths, problems.toString());
        assertTrue(problems.stream().anyMatch(p -> !p.isError() && p.path().equals("zookeeper.exhibitor")));
    }
}
