package io.pgha.engine.config;

import static io.pgha.engine.config.ConfigTestSupport.MINIMAL;
import static io.pgha.engine.config.ConfigTestSupport.assertMentions;
import static io.pgha.engine.config.ConfigTestSupport.errorAt;
import static io.pgha.engine.config.ConfigTestSupport.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("unchecked")
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private final ConfigLoader noEnv = new ConfigLoader(Map.of(), Set.of()).forReadingOnly();

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    private static ConfigProblem documentError(InvalidConfigException e) {
        return e.problems().stream().filter(p -> p.isError() && p.path().isEmpty()).findFirst().orElseThrow();
    }

    @Nested
    @DisplayName("sources")
    class Sources {

        @Test
        @DisplayName("a single file is read into typed values")
        void singleFile() throws IOException {
            PghaConfig c = noEnv.load(Optional.of(write("p.yml", MINIMAL))).config();
            assertEquals("unit", c.scope());
            assertEquals("unit-1", c.name());
            assertEquals("/service/", c.namespace());
            assertEquals("etcd3", c.dcs().name());
            assertEquals("etcd3", c.dcs().section().path());
            assertEquals(new HostPort("127.0.0.1", 8008), c.restapi().listen());
            assertEquals("http://127.0.0.1:8008/patroni", c.restapi().apiUrl());
            assertEquals("/tmp/unit-data", c.postgresql().dataDir());
            assertEquals("unit_su", c.postgresql().authentication().superuser().username());
            assertEquals("unit-su-secret", c.postgresql().authentication().superuser().password().orElseThrow().value());
            assertEquals(List.of("basebackup"), c.postgresql().createReplicaMethods());
            assertEquals(DynamicConfig.DEFAULTS.ttl(), c.bootstrap().dcs().ttl());
            assertEquals(WatchdogConfig.Mode.AUTOMATIC, c.watchdog().mode());
        }

        @Test
        @DisplayName("a directory merges its *.yml and *.yaml files in name order; null removes a key")
        void directory() throws IOException {
            write("conf/20-second.yaml", "name: from-second\nlog:\n  level: DEBUG\n");
            write("conf/10-first.yml", MINIMAL + "log:\n  dir: /var/log/x\n  level: INFO\n");
            write("conf/30-third.yml", "log:\n  dir: null\n");
            write("conf/99-ignored.txt", "scope: [not, yaml, mapping");
            LoadedConfig loaded = noEnv.load(Optional.of(dir.resolve("conf")));
            assertEquals("from-second", loaded.config().name());
            assertEquals("DEBUG", loaded.config().log().level());
            assertEquals(Optional.empty(), loaded.config().log().dir());
            assertEquals("unit", loaded.config().scope());
        }

        @Test
        @DisplayName("a directory without YAML files is an error naming it")
        void emptyDirectory() throws IOException {
            Files.createDirectories(dir.resolve("empty"));
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> noEnv.load(Optional.of(dir.resolve("empty"))));
            assertMentions(documentError(e), dir.resolve("empty").toString(), "no *.yml or *.yaml files");
        }

        @Test
        @DisplayName("a missing file is an error naming it")
        void missingFile() {
            Path missing = dir.resolve("nope.yml");
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> noEnv.load(Optional.of(missing)));
            assertMentions(documentError(e), missing.toString(), "not found");
        }

        @Test
        @DisplayName("a file that is not YAML is an error naming the file and the line")
        void notYaml() throws IOException {
            Path p = write("broken.yml", "scope: a\nname: [b\nrestapi: {}\n");
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> noEnv.load(Optional.of(p)));
            assertMentions(documentError(e), p.toString(), "is not valid YAML", "line ");
        }

        @Test
        @DisplayName("a YAML error names the line where the broken construct starts, not only where parsing failed")
        void yamlErrorNamesWhereTheConstructStarts() throws IOException {
            Path p = write("unclosed.yml", "scope: a\nname: b\npostgresql:\n  parameters: {work_mem: [1,\n"
                    + "  data_dir: /x\netcd3: {hosts: h:1}\n");
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> noEnv.load(Optional.of(p)));
            assertMentions(documentError(e), "starts at line 4", "(line 6");
        }

        @Test
        @DisplayName("a document whose top level is not a mapping is an error naming the file")
        void notAMapping() throws IOException {
            Path p = write("list.yml", "- scope: a\n- name: b\n");
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> noEnv.load(Optional.of(p)));
            assertMentions(documentError(e), p.toString(), "a list", "expected a mapping");
            Path scalar = write("scalar.yml", "just text\n");
            e = assertThrows(InvalidConfigException.class, () -> noEnv.load(Optional.of(scalar)));
            assertMentions(documentError(e), scalar.toString(), "the text 'just text'", "expected a mapping");
        }

        @Test
        @DisplayName("a file that cannot be read is an error naming the file")
        void unreadable() throws IOException {
            Path p = dir.resolve("latin1.yml");
            Files.write(p, "scope: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> noEnv.load(Optional.of(p)));
            assertMentions(documentError(e), p.toString(), "not UTF-8");

            // a read that fails with an I/O error (the tests run as root, so permissions cannot be used for this)
            Path io = Path.of("/proc/self/mem");
            e = assertThrows(InvalidConfigException.class, () -> noEnv.load(Optional.of(io)));
            assertMentions(documentError(e), "cannot read configuration file /proc/self/mem");
        }

        @Test
        @DisplayName("without a path, PATRONI_CONFIGURATION holds the whole configuration and other variables are not applied")
        void inlineConfiguration() {
            ConfigLoader loader = new ConfigLoader(Map.of("PATRONI_CONFIGURATION", MINIMAL, "PATRONI_NAME", "ignored"),
                    Set.of());
            PghaConfig c = loader.load(Optional.empty()).config();
            assertEquals("unit-1", c.name());
        }

        @Test
        @DisplayName("an unparsable PATRONI_CONFIGURATION is an error naming the variable")
        void badInlineConfiguration() {
            ConfigLoader loader = new ConfigLoader(Map.of("PATRONI_CONFIGURATION", "scope: [x"), Set.of());
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> loader.load(Optional.empty()));
            assertMentions(documentError(e), "PATRONI_CONFIGURATION", "not valid YAML");
        }

        @Test
        @DisplayName("without a path or PATRONI_CONFIGURATION, the environment alone is the configuration")
        void environmentOnly() {
            ConfigLoader loader = new ConfigLoader(Map.of("PATRONI_SCOPE", "envscope", "PATRONI_NAME", "env-1",
                    "PATRONI_POSTGRESQL_DATA_DIR", "/data/env", "PATRONI_ETCD3_HOSTS", "10.0.0.1:2379,10.0.0.2:2379",
                    "HOME", "/root"), Set.of());
            PghaConfig c = loader.load(Optional.empty()).config();
            assertEquals("envscope", c.scope());
            assertEquals("env-1", c.name());
            assertEquals("/data/env", c.postgresql().dataDir());
            assertEquals(List.of("10.0.0.1:2379", "10.0.0.2:2379"), c.dcs().section().asMap().get("hosts"));
        }

        @Test
        @DisplayName("environment variables win over the file and merge into its sections")
        void environmentWins() throws IOException {
            ConfigLoader loader = new ConfigLoader(Map.of("PATRONI_NAME", "env-name",
                    "PATRONI_SUPERUSER_PASSWORD", "from-env", "PATRONI_RESTAPI_LISTEN", "127.0.0.1:9009"), Set.of());
            PghaConfig c = loader.load(Optional.of(write("p.yml", MINIMAL))).config();
            assertEquals("env-name", c.name());
            assertEquals("unit_su", c.postgresql().authentication().superuser().username());
            assertEquals("from-env", c.postgresql().authentication().superuser().password().orElseThrow().value());
            assertEquals(9009, c.restapi().listen().port());
            assertEquals(8008, c.restapi().connectAddress().orElseThrow().port());
        }

        @Test
        @DisplayName("load(tree) treats the map as the file: environment applied, input left untouched")
        void loadTree() {
            Map<String, Object> tree = ConfigTestSupport.yaml(MINIMAL);
            String before = tree.toString();
            LoadedConfig loaded = new ConfigLoader(Map.of("PATRONI_NAME", "other"), Set.of()).forReadingOnly().load(tree);
            assertEquals("other", loaded.config().name());
            assertEquals(before, tree.toString());
            assertEquals("other", loaded.tree().get("name"));
            assertThrows(UnsupportedOperationException.class, () -> loaded.tree().put("x", 1));
        }
    }

    @Nested
    @DisplayName("all or nothing")
    class AllOrNothing {

        @Test
        @DisplayName("every problem of a broken file is reported in one exception, warnings included")
        void everyProblemAtOnce() {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigTestSupport.load(
                    minimalWith("scope: null\nname: null\nrestapi:\n  listen: nowhere\nfancy_new_key: 1\n"
                            + "bootstrap:\n  dcs:\n    loop_wait: 0\n")));
            List<ConfigProblem> problems = e.problems();
            errorAt(problems, "scope");
            errorAt(problems, "name");
            errorAt(problems, "restapi.listen");
            errorAt(problems, "bootstrap.dcs.loop_wait");
            ConfigTestSupport.warningAt(problems, "fancy_new_key");
            assertTrue(e.getMessage().contains("scope: is missing"), e.getMessage());
            assertEquals("INVALID_CONFIG", e.code());
        }

        @Test
        @DisplayName("unknown keys are warnings, never errors")
        void unknownKeysWarn() {
            LoadedConfig loaded = ConfigTestSupport.load(minimalWith("""
                    something_new: true
                    restapi:
                      shiny: 1
                    postgresql:
                      frobnicate: yes
                    watchdog:
                      color: blue
                    ttl: 30
                    """));
            List<ConfigProblem> w = loaded.warnings();
            assertMentions(ConfigTestSupport.warningAt(w, "something_new"), "unknown key");
            assertMentions(ConfigTestSupport.warningAt(w, "restapi.shiny"), "unknown key");
            assertMentions(ConfigTestSupport.warningAt(w, "postgresql.frobnicate"), "unknown key");
            assertMentions(ConfigTestSupport.warningAt(w, "watchdog.color"), "unknown key");
            assertMentions(ConfigTestSupport.warningAt(w, "ttl"), "dynamic configuration", "bootstrap.dcs");
        }
    }

    @Nested
    @DisplayName("DCS section")
    class Dcs {

        @Test
        @DisplayName("no DCS section is an error listing the accepted ones")
        void none() {
            List<ConfigProblem> p = ConfigTestSupport.problems(minimalWith("etcd3: null\n"));
            assertMentions(errorAt(p, ""), "no DCS section", "etcd3", "zookeeper", "consul", "kubernetes");
        }

        @Test
        @DisplayName("two DCS sections is an error naming both")
        void two() {
            List<ConfigProblem> p = ConfigTestSupport.problems(minimalWith("zookeeper:\n  hosts: [zk:2181]\n"));
            assertMentions(errorAt(p, "zookeeper"), "etcd3", "zookeeper", "exactly one");
        }

        @Test
        @DisplayName("a plugin's section name is accepted when the loader knows it")
        void pluginSection() {
            Map<String, Object> tree = minimalWith("etcd3: null\nmy_dcs:\n  endpoint: mem://x\n");
            assertThrows(InvalidConfigException.class, () -> ConfigTestSupport.load(tree));
            PghaConfig c = new ConfigLoader(Map.of("PATRONI_MY_DCS_HOSTS", "a:1,b:2"), Set.of("my_dcs")).forReadingOnly().load(tree).config();
            assertEquals("my_dcs", c.dcs().name());
            assertEquals("mem://x", c.dcs().section().asMap().get("endpoint"));
            assertEquals(List.of("a:1", "b:2"), c.dcs().section().asMap().get("hosts"));
        }

        @Test
        @DisplayName("the provider's own problems are added, with paths under its section")
        void providerValidation() {
            ConfigLoader loader = new ConfigLoader(Map.of(), Set.of()).forReadingOnly().withDcsValidator(sel -> List.of(
                    ConfigProblem.error("hosts", "got nothing useful: expected host:port"),
                    ConfigProblem.warning("etcd3.protocol", "defaulting to http")));
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> loader.load(ConfigTestSupport.yaml(MINIMAL)));
            errorAt(e.problems(), "etcd3.hosts");
            ConfigTestSupport.warningAt(e.problems(), "etcd3.protocol");

            ConfigLoader throwing = new ConfigLoader(Map.of(), Set.of()).forReadingOnly().withDcsValidator(sel -> {
                throw new IllegalStateException("boom");
            });
            e = assertThrows(InvalidConfigException.class, () -> throwing.load(ConfigTestSupport.yaml(MINIMAL)));
            assertMentions(errorAt(e.problems(), "etcd3"), "provider failed", "boom");
        }
    }

    @Test
    @DisplayName("the loaded configuration is immutable all the way down")
    void immutable() {
        PghaConfig c = ConfigTestSupport.load(minimalWith("etcd3:\n  hosts: [a:1, b:2]\n  tls: {ca: /ca}\n")).config();
        Object hosts = c.dcs().section().asMap().get("hosts");
        Object tls = c.dcs().section().asMap().get("tls");
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) hosts).add("c:3"));
        assertThrows(UnsupportedOperationException.class, () -> ((Map<String, Object>) tls).put("x", 1));
        assertThrows(UnsupportedOperationException.class, () -> c.postgresql().parameters().put("a", "b"));
    }

    @Test
    @DisplayName("secrets never appear in toString()")
    void secretsMasked() {
        LoadedConfig loaded = ConfigTestSupport.load(minimalWith("""
                restapi:
                  authentication: {username: api, password: api-pass-123}
                  keyfile_password: key-pass-456
                ctl:
                  authentication: {username: ctl, password: ctl-pass-789}
                postgresql:
                  authentication:
                    rewind: {username: rw, password: rewind-pass-000, sslpassword: ssl-pass-111}
                bootstrap:
                  dcs:
                    standby_cluster:
                      host: 10.0.0.9
                      primary_conninfo_password: dyn-pass-222
                """));
        String text = loaded.toString() + loaded.config() + loaded.config().bootstrap().dcs() + loaded.maskedYaml();
        for (String secret : List.of("unit-su-secret", "unit-repl-secret", "api-pass-123", "key-pass-456",
                "ctl-pass-789", "rewind-pass-000", "ssl-pass-111", "dyn-pass-222")) {
            assertFalse(text.contains(secret), () -> secret + " leaked");
        }
        assertTrue(text.contains(Secret.MASK));
        assertEquals("api-pass-123", loaded.config().restapi().authentication().orElseThrow().password().value());
    }
}
