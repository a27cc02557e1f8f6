package io.pgha.engine.config;

import static io.pgha.engine.config.ConfigTestSupport.assertMentions;
import static io.pgha.engine.config.ConfigTestSupport.errorAt;
import static io.pgha.engine.config.ConfigTestSupport.minimalWith;
import static io.pgha.engine.config.ConfigTestSupport.problems;
import static io.pgha.engine.config.ConfigTestSupport.warningAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Each kind of problem: its key path, the bad value and what is expected. */
class ValidationTest {

    @Test
    @DisplayName("a string where a number is expected")
    void stringForNumber() {
        List<ConfigProblem> p = problems(minimalWith("bootstrap:\n  dcs:\n    ttl: thirty\n"));
        assertMentions(errorAt(p, "bootstrap.dcs.ttl"), "'thirty'", "expected a whole number");
        p = problems(minimalWith("postgresql:\n  pg_ctl_timeout: soon\n"));
        assertMentions(errorAt(p, "postgresql.pg_ctl_timeout"), "'soon'", "expected a whole number");
    }

    @Test
    @DisplayName("a mapping where a list is expected, and a list where a mapping is expected")
    void wrongContainer() {
        List<ConfigProblem> p = problems(minimalWith("postgresql:\n  pg_hba:\n    local: all all trust\n"
                + "  parameters: [a, b]\nrestapi:\n  allowlist: {a: b}\n"));
        assertMentions(errorAt(p, "postgresql.pg_hba"), "got a mapping", "expected a list");
        assertMentions(errorAt(p, "postgresql.parameters"), "got a list", "expected a mapping");
        assertMentions(errorAt(p, "restapi.allowlist"), "got a mapping", "expected a list");
    }

    @Test
    @DisplayName("a bad boolean and a bad enumeration")
    void badBooleanAndEnum() {
        List<ConfigProblem> p = problems(minimalWith("tags:\n  nofailover: maybe\nrestapi:\n  verify_client: always\n"
                + "log:\n  level: LOUD\n"));
        assertMentions(errorAt(p, "tags.nofailover"), "'maybe'", "expected true or false");
        assertMentions(errorAt(p, "restapi.verify_client"), "'always'", "none, optional, required");
        assertMentions(errorAt(p, "log.level"), "'LOUD'", "DEBUG", "INFO");
    }

    @Test
    @DisplayName("scope, name and postgresql.data_dir are required")
    void required() {
        List<ConfigProblem> p = problems(minimalWith("scope: null\nname: ''\npostgresql:\n  data_dir: null\n"));
        assertMentions(errorAt(p, "scope"), "is missing", "cluster name");
        assertMentions(errorAt(p, "name"), "is empty", "member's name");
        assertMentions(errorAt(p, "postgresql.data_dir"), "is missing", "data directory");
    }

    @Test
    @DisplayName("ttl shorter than loop_wait + 2 * retry_timeout is an error naming the three values")
    void ttlRule() {
        List<ConfigProblem> p = problems(minimalWith("bootstrap:\n  dcs:\n    ttl: 30\n    loop_wait: 12\n"
                + "    retry_timeout: 10\n"));
        assertMentions(errorAt(p, "bootstrap.dcs.ttl"), "ttl 30", "loop_wait 12", "retry_timeout 10", "= 32",
                "expected ttl >= loop_wait + 2 * retry_timeout");
    }

    @Test
    @DisplayName("a loader with runtime timings warns and adjusts instead")
    void runtimeTimings() {
        LoadedConfig loaded = new ConfigLoader(java.util.Map.of(), java.util.Set.of()).forReadingOnly().withRuntimeTimings()
                .load(minimalWith("bootstrap:\n  dcs:\n    ttl: 30\n    loop_wait: 12\n    retry_timeout: 10\n"));
        assertMentions(warningAt(loaded.warnings(), "bootstrap.dcs.ttl"), "ttl 30", "adjusted");
        assertEquals(java.time.Duration.ofSeconds(10), loaded.config().bootstrap().dcs().adjustedTimings().loopWait());
    }

    @Test
    @DisplayName("timings below their minimum are errors in a file")
    void minimums() {
        List<ConfigProblem> p = problems(minimalWith("bootstrap:\n  dcs:\n    loop_wait: 0\n    ttl: 5\n"
                + "    retry_timeout: 2\n"));
        assertMentions(errorAt(p, "bootstrap.dcs.loop_wait"), "got 0", "at least 1");
        assertMentions(errorAt(p, "bootstrap.dcs.ttl"), "got 5", "at least " + DynamicConfig.MIN_TTL_FENCED);
        assertMentions(errorAt(p, "bootstrap.dcs.retry_timeout"), "got 2", "at least 3");
    }

    @Test
    @DisplayName("a ttl below 20 is valid with the fencing supervisor (the default) and an error without it")
    void shortTtlNeedsTheSupervisor() {
        String timings = "bootstrap:\n  dcs:\n    ttl: 10\n    loop_wait: 2\n    retry_timeout: 3\n";
        assertEquals(10, ConfigTestSupport.load(minimalWith(timings)).config().bootstrap().dcs().ttl());
        List<ConfigProblem> p = problems(minimalWith(timings + "fencing:\n  supervisor: off\n"));
        assertMentions(errorAt(p, "bootstrap.dcs.ttl"), "got 10", "fencing supervisor");
    }

    @Test
    @DisplayName("listen addresses need host:port with a port from 1 to 65535")
    void listen() {
        List<ConfigProblem> p = problems(minimalWith("restapi:\n  listen: 127.0.0.1:70000\n"
                + "postgresql:\n  listen: 127.0.0.1\n"));
        assertMentions(errorAt(p, "restapi.listen"), "'127.0.0.1:70000'", "70000", "1 to 65535");
        assertMentions(errorAt(p, "postgresql.listen"), "'127.0.0.1'", "no port", "host:port");
        p = problems(minimalWith("restapi:\n  listen: 'here:http'\npostgresql:\n  listen: '*,10.0.0.1:5432'\n"));
        assertMentions(errorAt(p, "restapi.listen"), "'here:http'", "port 'http'");
        assertMentions(errorAt(p, "postgresql.listen"), "combines *");
        p = problems(minimalWith("restapi:\n  listen: '::1'\n"));
        assertMentions(errorAt(p, "restapi.listen"), "'::1'", "brackets");
        p = problems(minimalWith("restapi:\n  listen: '127.0.0.1:0'\n"));
        assertMentions(errorAt(p, "restapi.listen"), "port 0", "1 to 65535");
    }

    @Test
    @DisplayName("several listen hosts, IPv6 in brackets and an empty host are accepted")
    void listenForms() {
        PghaConfig c = ConfigTestSupport.load(minimalWith("restapi:\n  listen: ':8009'\n"
                + "postgresql:\n  listen: '[::1]:5433'\n")).config();
        assertEquals(new HostPort("", 8009), c.restapi().listen());
        assertEquals(List.of("::1"), c.postgresql().listen().hosts());
        assertEquals("[::1]:5433", c.postgresql().listen().toString());
    }

    @Test
    @DisplayName("connect addresses need a port and a host others can reach")
    void connectAddress() {
        List<ConfigProblem> p = problems(minimalWith("restapi:\n  connect_address: 10.1.2.3\n"
                + "postgresql:\n  connect_address: '0.0.0.0:5432'\n"));
        assertMentions(errorAt(p, "restapi.connect_address"), "'10.1.2.3'", "no port", "host:port");
        assertMentions(errorAt(p, "postgresql.connect_address"), "0.0.0.0", "cannot be connected to");
        List<ConfigProblem> w = ConfigTestSupport.load(minimalWith("restapi:\n  connect_address: null\n")).warnings();
        assertMentions(warningAt(w, "restapi.connect_address"), "is missing", "127.0.0.1:8008");
    }

    @Test
    @DisplayName("initdb options: flags, single-key mappings or a mapping; agent-set options are refused")
    void initdb() {
        PghaConfig c = ConfigTestSupport.load(minimalWith("bootstrap:\n  initdb:\n    - data-checksums\n"
                + "    - encoding: UTF8\n    - locale: '\"C\"'\n    - no-instructions: true\n")).config();
        assertEquals(List.of("--data-checksums", "--encoding=UTF8", "--locale=C", "--no-instructions"),
                c.bootstrap().initdb().stream().map(CommandOption::toArgument).toList());
        c = ConfigTestSupport.load(minimalWith("bootstrap:\n  initdb:\n    encoding: UTF8\n    auth: md5\n")).config();
        assertEquals(List.of("--encoding=UTF8", "--auth=md5"),
                c.bootstrap().initdb().stream().map(CommandOption::toArgument).toList());
        List<ConfigProblem> p = problems(minimalWith("bootstrap:\n  initdb:\n    - pwfile: /x\n    - [a]\n"
                + "    - {a: 1, b: 2}\n"));
        assertMentions(errorAt(p, "bootstrap.initdb[0]"), "pwfile", "the agent sets itself");
        assertMentions(errorAt(p, "bootstrap.initdb[1]"), "got a list", "single key: value");
        assertMentions(errorAt(p, "bootstrap.initdb[2]"), "got a mapping", "single key: value");
        p = problems(minimalWith("bootstrap:\n  initdb: data-checksums\n"));
        assertMentions(errorAt(p, "bootstrap.initdb"), "'data-checksums'", "expected a list of options");
    }

    @Test
    @DisplayName("a custom bootstrap method is read from the section bootstrap.method names")
    void customBootstrap() {
        LoadedConfig loaded = ConfigTestSupport.load(minimalWith("bootstrap:\n  method: restore\n"
                + "  restore:\n    command: /bin/restore --fast\n    keep_existing_recovery_conf: on\n"
                + "    recovery_conf:\n      recovery_target_action: promote\n  spare:\n    command: /bin/other\n"));
        BootstrapConfig b = loaded.config().bootstrap();
        assertTrue(b.isCustomMethod());
        assertEquals("/bin/restore --fast", b.methodSection("restore").asMap().get("command"));
        assertMentions(warningAt(loaded.warnings(), "bootstrap.spare"), "not used");
        List<ConfigProblem> w = ConfigTestSupport.load(minimalWith("bootstrap:\n  method: from_plugin\n")).warnings();
        assertMentions(warningAt(w, "bootstrap.from_plugin"), "is missing", "plugin");
    }

    @Test
    @DisplayName("replica methods: alias create_replica_method, method sections, forbidden basebackup options")
    void replicaMethods() {
        PostgresqlConfig pg = ConfigTestSupport.load(minimalWith("postgresql:\n  create_replica_method: [wal_g, basebackup]\n"
                + "  wal_g:\n    command: wal-g backup-fetch\n    no_leader: true\n"
                + "  basebackup:\n    checkpoint: fast\n")).config().postgresql();
        assertEquals(List.of("wal_g", "basebackup"), pg.createReplicaMethods());
        assertEquals(true, pg.replicaMethodSection("wal_g").bool("no_leader", false, new java.util.ArrayList<>()));
        assertEquals("fast", pg.replicaMethodSection("basebackup").asMap().get("checkpoint"));
        assertEquals(List.of("--checkpoint=fast"), pg.basebackup().stream().map(CommandOption::toArgument).toList());
        assertTrue(pg.replicaMethodSection("absent").asMap().isEmpty());
        List<ConfigProblem> p = problems(minimalWith("postgresql:\n  basebackup:\n    - dbname: x\n"));
        assertMentions(errorAt(p, "postgresql.basebackup[0]"), "dbname", "the agent sets itself");
    }

    @Test
    @DisplayName("parameters the agent or the dynamic configuration owns are ignored locally with a warning")
    void localParameters() {
        LoadedConfig loaded = ConfigTestSupport.load(minimalWith("postgresql:\n  parameters:\n    port: 6000\n"
                + "    max_connections: 500\n    work_mem: 4MB\n    use_slots: false\n  use_slots: false\n"));
        assertMentions(warningAt(loaded.warnings(), "postgresql.parameters.port"), "postgresql.listen");
        assertMentions(warningAt(loaded.warnings(), "postgresql.parameters.max_connections"), "dynamic configuration");
        assertMentions(warningAt(loaded.warnings(), "postgresql.use_slots"), "dynamic configuration");
        assertEquals("4MB", loaded.config().postgresql().parameters().get("work_mem"));
    }

    @Test
    @DisplayName("tags: known ones typed, custom ones kept, contradictions warned")
    void tags() {
        LoadedConfig loaded = ConfigTestSupport.load(minimalWith("tags:\n  nofailover: true\n  failover_priority: 5\n"
                + "  nosync: no\n  zone: b\n  clonefrom: false\n"));
        TagsConfig t = loaded.config().tags();
        assertEquals(0, t.effectiveFailoverPriority());
        assertEquals(1, t.effectiveSyncPriority());
        assertEquals(java.util.Map.of("nofailover", true, "failover_priority", 5, "zone", "b"), t.asMemberTags());
        assertMentions(warningAt(loaded.warnings(), "tags.failover_priority"), "contradict", "nofailover wins");
        List<ConfigProblem> p = problems(minimalWith("tags:\n  failover_priority: -1\n"));
        assertMentions(errorAt(p, "tags.failover_priority"), "got -1", "from 0");
    }

    @Test
    @DisplayName("watchdog modes, including YAML's bare off")
    void watchdog() {
        assertEquals(WatchdogConfig.Mode.OFF,
                ConfigTestSupport.load(minimalWith("watchdog:\n  mode: off\n")).config().watchdog().mode());
        assertEquals(WatchdogConfig.Mode.REQUIRED,
                ConfigTestSupport.load(minimalWith("watchdog:\n  mode: required\n")).config().watchdog().mode());
        assertMentions(errorAt(problems(minimalWith("watchdog:\n  mode: sometimes\n")), "watchdog.mode"),
                "'sometimes'", "off, automatic, required");
    }

    @Test
    @DisplayName("namespace is normalised; member and API addresses derive from the config")
    void derived() {
        PghaConfig c = ConfigTestSupport.load(minimalWith("namespace: pg//prod\npostgresql:\n  listen: '*:5433'\n"
                + "  connect_address: null\nrestapi:\n  certfile: /c.pem\n")).config();
        assertEquals("/pg/prod/", c.namespace());
        assertEquals("/pg/prod/unit/", c.clusterPrefix());
        assertEquals(new HostPort("127.0.0.1", 5433), c.postgresql().memberConnectAddress());
        assertEquals("https://127.0.0.1:8008/patroni", c.restapi().apiUrl());
        assertEquals(Optional.empty(), c.citus());
    }

    @Test
    @DisplayName("authentication: missing roles are warnings, a role without username an error")
    void authentication() {
        LoadedConfig loaded = ConfigTestSupport.load(minimalWith("postgresql:\n  authentication: null\n"));
        assertEquals("postgres", loaded.config().postgresql().authentication().superuser().username());
        warningAt(loaded.warnings(), "postgresql.authentication.superuser");
        warningAt(loaded.warnings(), "postgresql.authentication.replication");
        List<ConfigProblem> p = problems(minimalWith("postgresql:\n  authentication:\n    rewind:\n      password: x\n"
                + "restapi:\n  authentication:\n    password: y\n"));
        assertMentions(errorAt(p, "postgresql.authentication.rewind.username"), "is missing");
        assertMentions(errorAt(p, "restapi.authentication.username"), "is missing");
    }
}
