package io.pgha.engine.config;

import static io.pgha.engine.config.ConfigTestSupport.MINIMAL;
import static io.pgha.engine.config.ConfigTestSupport.assertMentions;
import static io.pgha.engine.config.ConfigTestSupport.errorAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The PATRONI_* variables, one by one, as listed in patroni-facts.md section 6. */
class EnvironmentConfigTest {

    private static Map<String, Object> tree(Map<String, String> env) {
        return tree(env, Set.of());
    }

    private static Map<String, Object> tree(Map<String, String> env, Set<String> documentSections) {
        EnvironmentConfig.Result r = EnvironmentConfig.build(env, PghaConfig.BUILT_IN_DCS, documentSections);
        assertEquals(List.of(), r.problems());
        return r.tree();
    }

    @SuppressWarnings("unchecked")
    private static Object at(Map<String, Object> tree, String dotted) {
        Object node = tree;
        for (String k : dotted.split("\\.")) {
            node = node instanceof Map<?, ?> m ? ((Map<String, Object>) m).get(k) : null;
        }
        return node;
    }

    @Test
    @DisplayName("name, namespace, scope and thread_pool_size")
    void topLevel() {
        Map<String, Object> t = tree(Map.of("PATRONI_NAME", "n", "PATRONI_NAMESPACE", "/ns", "PATRONI_SCOPE", "s",
                "PATRONI_THREAD_POOL_SIZE", "9"));
        assertEquals("n", t.get("name"));
        assertEquals("/ns", t.get("namespace"));
        assertEquals("s", t.get("scope"));
        assertEquals(9L, t.get("thread_pool_size"));
    }

    @Test
    @DisplayName("PATRONI_LOG_<key>, with the legacy names used only when the new one is absent")
    void log() {
        Map<String, Object> t = tree(Map.of("PATRONI_LOGLEVEL", "DEBUG", "PATRONI_LOG_DIR", "/var/log/p",
                "PATRONI_LOG_FILE_NUM", "4", "PATRONI_LOG_LOGGERS", "kazoo: WARNING, urllib3: ERROR",
                "PATRONI_LOG_FORMAT", "asctime,message", "PATRONI_LOG_DEDUPLICATE_HEARTBEAT_LOGS", "yes"));
        assertEquals("DEBUG", at(t, "log.level"));
        assertEquals("/var/log/p", at(t, "log.dir"));
        assertEquals(4L, at(t, "log.file_num"));
        assertEquals(Map.of("kazoo", "WARNING", "urllib3", "ERROR"), at(t, "log.loggers"));
        assertEquals(List.of("asctime", "message"), at(t, "log.format"));
        assertEquals(true, at(t, "log.deduplicate_heartbeat_logs"));

        t = tree(Map.of("PATRONI_LOGLEVEL", "DEBUG", "PATRONI_LOG_LEVEL", "ERROR",
                "PATRONI_LOGFORMAT", "%(asctime)s %(message)s"));
        assertEquals("ERROR", at(t, "log.level"));
        assertEquals("%(asctime)s %(message)s", at(t, "log.format"));
    }

    @Test
    @DisplayName("PATRONI_RESTAPI_<key>, USERNAME/PASSWORD into restapi.authentication, typed lists, maps, booleans, numbers")
    void restapi() {
        Map<String, Object> t = tree(Map.of("PATRONI_RESTAPI_LISTEN", "0.0.0.0:8008",
                "PATRONI_RESTAPI_CONNECT_ADDRESS", "10.0.0.1:8008", "PATRONI_RESTAPI_USERNAME", "u",
                "PATRONI_RESTAPI_PASSWORD", "p", "PATRONI_RESTAPI_ALLOWLIST", "10.0.0.0/8,127.0.0.1",
                "PATRONI_RESTAPI_HTTP_EXTRA_HEADERS", "X-A: 1, X-B: two",
                "PATRONI_RESTAPI_ALLOWLIST_INCLUDE_MEMBERS", "on", "PATRONI_RESTAPI_REQUEST_QUEUE_SIZE", "7",
                "PATRONI_RESTAPI_VERIFY_CLIENT", "required", "PATRONI_RESTAPI_KEYFILE_PASSWORD", "kp"));
        assertEquals("0.0.0.0:8008", at(t, "restapi.listen"));
        assertEquals("10.0.0.1:8008", at(t, "restapi.connect_address"));
        assertEquals(Map.of("username", "u", "password", "p"), at(t, "restapi.authentication"));
        assertEquals(List.of("10.0.0.0/8", "127.0.0.1"), at(t, "restapi.allowlist"));
        assertEquals(Map.of("X-A", 1, "X-B", "two"), at(t, "restapi.http_extra_headers"));
        assertEquals(true, at(t, "restapi.allowlist_include_members"));
        assertEquals(7L, at(t, "restapi.request_queue_size"));
        assertEquals("required", at(t, "restapi.verify_client"));
        assertEquals("kp", at(t, "restapi.keyfile_password"));

        // a list already written in YAML syntax is taken as it is
        t = tree(Map.of("PATRONI_RESTAPI_ALLOWLIST", "[a, 'b,c']"));
        assertEquals(List.of("a", "b,c"), at(t, "restapi.allowlist"));
    }

    @Test
    @DisplayName("PATRONI_CTL_<key> with USERNAME/PASSWORD")
    void ctl() {
        Map<String, Object> t = tree(Map.of("PATRONI_CTL_INSECURE", "true", "PATRONI_CTL_CACERT", "/ca",
                "PATRONI_CTL_USERNAME", "cu", "PATRONI_CTL_PASSWORD", "cp"));
        assertEquals(true, at(t, "ctl.insecure"));
        assertEquals("/ca", at(t, "ctl.cacert"));
        assertEquals(Map.of("username", "cu", "password", "cp"), at(t, "ctl.authentication"));
    }

    @Test
    @DisplayName("PATRONI_POSTGRESQL_{LISTEN,CONNECT_ADDRESS,PROXY_ADDRESS,CONFIG_DIR,DATA_DIR,PGPASS,BIN_DIR} and BIN_<program>")
    void postgresql() {
        Map<String, Object> t = tree(Map.of("PATRONI_POSTGRESQL_LISTEN", "*:5432",
                "PATRONI_POSTGRESQL_CONNECT_ADDRESS", "10.0.0.1:5432", "PATRONI_POSTGRESQL_PROXY_ADDRESS", "10.0.0.1:6432",
                "PATRONI_POSTGRESQL_CONFIG_DIR", "/etc/pg", "PATRONI_POSTGRESQL_DATA_DIR", "/data",
                "PATRONI_POSTGRESQL_PGPASS", "/tmp/pgpass", "PATRONI_POSTGRESQL_BIN_DIR", "/usr/lib/pg/bin",
                "PATRONI_POSTGRESQL_BIN_PG_ISREADY", "pg_isready15", "PATRONI_POSTGRESQL_BIN_PG_CTL", "pgctl"));
        assertEquals("*:5432", at(t, "postgresql.listen"));
        assertEquals("10.0.0.1:5432", at(t, "postgresql.connect_address"));
        assertEquals("10.0.0.1:6432", at(t, "postgresql.proxy_address"));
        assertEquals("/etc/pg", at(t, "postgresql.config_dir"));
        assertEquals("/data", at(t, "postgresql.data_dir"));
        assertEquals("/tmp/pgpass", at(t, "postgresql.pgpass"));
        assertEquals("/usr/lib/pg/bin", at(t, "postgresql.bin_dir"));
        assertEquals(Map.of("pg_isready", "pg_isready15", "pg_ctl", "pgctl"), at(t, "postgresql.bin_name"));
    }

    @Test
    @DisplayName("PATRONI_{SUPERUSER,REPLICATION,REWIND}_<libpq option>")
    void users() {
        Map<String, String> env = new HashMap<>();
        for (String user : List.of("SUPERUSER", "REPLICATION", "REWIND")) {
            for (String opt : List.of("USERNAME", "PASSWORD", "SSLMODE", "SSLKEY", "SSLPASSWORD", "SSLCERT",
                    "SSLROOTCERT", "SSLCRL", "SSLCRLDIR", "GSSENCMODE", "CHANNEL_BINDING", "SSLNEGOTIATION")) {
                env.put("PATRONI_" + user + "_" + opt, user.toLowerCase() + "-" + opt.toLowerCase());
            }
        }
        Map<String, Object> t = tree(env);
        assertEquals("superuser-username", at(t, "postgresql.authentication.superuser.username"));
        assertEquals("replication-sslmode", at(t, "postgresql.authentication.replication.sslmode"));
        assertEquals("rewind-channel_binding", at(t, "postgresql.authentication.rewind.channel_binding"));
        assertEquals("rewind-sslnegotiation", at(t, "postgresql.authentication.rewind.sslnegotiation"));
        assertEquals(12, ((Map<?, ?>) at(t, "postgresql.authentication.superuser")).size());
    }

    @Test
    @DisplayName("PATRONI_<DCS>_<SUFFIX> for the listed suffixes, typed")
    void dcsGeneric() {
        Map<String, Object> t = tree(Map.of("PATRONI_ETCD3_HOSTS", "e1:2379,e2:2379", "PATRONI_ETCD3_PROTOCOL", "https",
                "PATRONI_ZOOKEEPER_HOSTS", "['z1:2181', 'z2:2181']", "PATRONI_CONSUL_PORT", "8500",
                "PATRONI_CONSUL_REGISTER_SERVICE", "yes", "PATRONI_KUBERNETES_LABELS", "app: db, team: core",
                "PATRONI_KUBERNETES_USE_ENDPOINTS", "1", "PATRONI_KUBERNETES_LEADER_LABEL_VALUE", "primary",
                "PATRONI_KUBERNETES_RETRIABLE_HTTP_CODES", "500,503", "PATRONI_ZOOKEEPER_SET_ACLS", "{admin: [ALL]}"));
        assertEquals(List.of("e1:2379", "e2:2379"), at(t, "etcd3.hosts"));
        assertEquals("https", at(t, "etcd3.protocol"));
        assertEquals(List.of("z1:2181", "z2:2181"), at(t, "zookeeper.hosts"));
        assertEquals(Map.of("admin", List.of("ALL")), at(t, "zookeeper.set_acls"));
        assertEquals(8500L, at(t, "consul.port"));
        assertEquals(true, at(t, "consul.register_service"));
        assertEquals(Map.of("app", "db", "team", "core"), at(t, "kubernetes.labels"));
        assertEquals(true, at(t, "kubernetes.use_endpoints"));
        assertEquals("primary", at(t, "kubernetes.leader_label_value"));
        assertEquals(List.of(500, 503), at(t, "kubernetes.retriable_http_codes"));
        assertFalse(t.containsKey("etcd"), "PATRONI_ETCD3_* must not create an etcd section");
    }

    @Test
    @DisplayName("PATRONI_ETCD[3]_USERNAME/PASSWORD apply to an etcd section from the file or from other variables")
    void etcdCredentials() {
        Map<String, String> env = Map.of("PATRONI_ETCD3_USERNAME", "eu", "PATRONI_ETCD3_PASSWORD", "ep");
        assertFalse(tree(env).containsKey("etcd3"), "credentials alone must not create a DCS section");
        assertEquals("ep", at(tree(env, Set.of("etcd3")), "etcd3.password"));
        Map<String, Object> t = tree(Map.of("PATRONI_ETCD_URL", "http://e:2379", "PATRONI_ETCD_USERNAME", "u2"));
        assertEquals(Map.of("url", "http://e:2379", "username", "u2"), t.get("etcd"));
    }

    @Test
    @DisplayName("citus takes only GROUP and DATABASE; unrelated and empty variables are ignored")
    void ignored() {
        Map<String, Object> t = tree(Map.of("PATRONI_CITUS_GROUP", "2", "PATRONI_CITUS_DATABASE", "cdb",
                "PATRONI_CITUS_HOSTS", "x", "PATRONI_FOO_HOSTS", "a,b", "PATRONI_SCOPE", "", "PATH", "/bin",
                "PATRONI_RAFT_PARTNER_ADDRS", "r1:2222,r2:2222"));
        assertEquals(Map.of("group", 2L, "database", "cdb"), t.get("citus"));
        assertFalse(t.containsKey("foo"));
        assertFalse(t.containsKey("scope"));
        assertEquals(List.of("r1:2222", "r2:2222"), at(t, "raft.partner_addrs"));
    }

    @Test
    @DisplayName("a bad value is reported at its key path and names the variable")
    void badValues() {
        EnvironmentConfig.Result r = EnvironmentConfig.build(Map.of("PATRONI_KUBERNETES_LABELS", "{unclosed: [x"),
                PghaConfig.BUILT_IN_DCS, Set.of());
        assertMentions(errorAt(r.problems(), "kubernetes.labels"), "PATRONI_KUBERNETES_LABELS", "not a YAML mapping");

        List<ConfigProblem> p = ConfigTestSupport.problems(ConfigTestSupport.yaml(MINIMAL),
                Map.of("PATRONI_RESTAPI_REQUEST_QUEUE_SIZE", "lots", "PATRONI_RESTAPI_LISTEN", "localhost"));
        assertMentions(errorAt(p, "restapi.request_queue_size"), "'lots'", "whole number",
                "PATRONI_RESTAPI_REQUEST_QUEUE_SIZE");
        assertMentions(errorAt(p, "restapi.listen"), "'localhost'", "host:port", "PATRONI_RESTAPI_LISTEN");
    }

    @Test
    @DisplayName("a DCS section created by a variable next to the file's is reported with the variable")
    void secondSectionFromEnvironment() {
        List<ConfigProblem> p = ConfigTestSupport.problems(ConfigTestSupport.yaml(MINIMAL),
                Map.of("PATRONI_ZOOKEEPER_HOSTS", "zk:2181"));
        assertTrue(p.stream().anyMatch(x -> x.isError() && x.message().contains("PATRONI_ZOOKEEPER_HOSTS")),
                () -> ConfigTestSupport.describe(p));
    }
}
