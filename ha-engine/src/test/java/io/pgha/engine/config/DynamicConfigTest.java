package io.pgha.engine.config;

import static io.pgha.engine.config.ConfigTestSupport.assertMentions;
import static io.pgha.engine.config.ConfigTestSupport.errorAt;
import static io.pgha.engine.config.ConfigTestSupport.warningAt;
import static io.pgha.engine.config.ConfigTestSupport.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.dcs.DcsTimings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DynamicConfigTest {

    private static DynamicConfig runtime(String text, List<ConfigProblem> problems) {
        return DynamicConfig.from(yaml(text), problems);
    }

    @Test
    @DisplayName("defaults match Patroni's")
    void defaults() {
        DynamicConfig d = DynamicConfig.DEFAULTS;
        assertEquals(30, d.ttl());
        assertEquals(10, d.loopWait());
        assertEquals(10, d.retryTimeout());
        assertEquals(1_048_576L, d.maximumLagOnFailover());
        assertEquals(-1L, d.maximumLagOnSyncnode());
        assertEquals(0, d.maxTimelinesHistory());
        assertEquals(300, d.primaryStartTimeout());
        assertEquals(0, d.primaryStopTimeout());
        assertEquals(DynamicConfig.SynchronousMode.OFF, d.synchronousMode());
        assertEquals(1, d.synchronousNodeCount());
        assertEquals(Duration.ofMinutes(30), d.memberSlotsTtl());
        assertTrue(d.postgresql().useSlots());
        assertFalse(d.postgresql().usePgRewind());
        assertFalse(d.isStandbyCluster());
        assertEquals(DcsTimings.PATRONI_DEFAULTS, d.adjustedTimings());
        assertEquals(Optional.empty(), d.timingAdjustment());
    }

    @Test
    @DisplayName("at runtime, values below their minimum are raised with a warning, never an error")
    void runtimeMinimums() {
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig d = runtime("ttl: 5\nloop_wait: 0\nretry_timeout: 1\n", problems);
        assertEquals(DynamicConfig.MIN_TTL_FENCED, d.ttl());
        assertEquals(1, d.loopWait());
        assertEquals(3, d.retryTimeout());
        assertTrue(problems.stream().noneMatch(ConfigProblem::isError), () -> ConfigTestSupport.describe(problems));
        assertMentions(warningAt(problems, "ttl"), "got 5", DynamicConfig.MIN_TTL_FENCED + " is used");
    }

    @Test
    @DisplayName("a ttl below Patroni's 20 runs as is with a fencing supervisor, and is raised to 20 without one")
    void shortTtlNeedsFencing() {
        DynamicConfig d = runtime("ttl: 10\nloop_wait: 2\nretry_timeout: 3\n", new ArrayList<>());
        assertEquals(new DcsTimings(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(3)),
                d.adjustedTimings(true));
        assertEquals(Optional.empty(), d.timingAdjustment(true));
        assertEquals(Duration.ofSeconds(20), d.adjustedTimings(false).ttl());
        assertTrue(d.timingAdjustment(false).orElseThrow().contains("without a fencing supervisor"));
    }

    @Test
    @DisplayName("at runtime, a ttl that breaks the timing rule is a warning and the timings are adjusted")
    void runtimeTimingRule() {
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig d = runtime("ttl: 25\nloop_wait: 10\nretry_timeout: 10\n", problems);
        assertTrue(problems.stream().noneMatch(ConfigProblem::isError));
        assertMentions(warningAt(problems, "ttl"), "ttl 25", "loop_wait 10", "retry_timeout 10", "adjusted");
        assertEquals(new DcsTimings(Duration.ofSeconds(25), Duration.ofSeconds(5), Duration.ofSeconds(10)),
                d.adjustedTimings());
        assertTrue(d.timingAdjustment().orElseThrow().contains("running with loop_wait 5"));
    }

    @ParameterizedTest(name = "ttl={0} loop_wait={1} retry_timeout={2} -> loop_wait={3} retry_timeout={4}")
    @CsvSource({
            "30, 10, 10, 10, 10",
            "25, 10, 10, 5, 10",
            "20, 10, 10, 1, 9",
            "20, 1, 3, 1, 3",
            "21, 5, 10, 1, 10",
            "40, 20, 10, 20, 10",
            "30, 10, 20, 1, 14"})
    @DisplayName("adjustedTimings applies Patroni's rule")
    void adjustedTimings(int ttl, int loop, int retry, int expectedLoop, int expectedRetry) {
        DynamicConfig d = DynamicConfig.from(Map.of("ttl", ttl, "loop_wait", loop, "retry_timeout", retry),
                new ArrayList<>());
        DcsTimings t = d.adjustedTimings();
        assertEquals(Duration.ofSeconds(ttl), t.ttl());
        assertEquals(Duration.ofSeconds(expectedLoop), t.loopWait());
        assertEquals(Duration.ofSeconds(expectedRetry), t.retryTimeout());
        assertTrue(t.loopWait().plus(t.retryTimeout().multipliedBy(2)).compareTo(t.ttl()) <= 0);
    }

    @Test
    @DisplayName("in a file, minimums and the timing rule are errors")
    void fileIsStrict() {
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig.fromFile("bootstrap.dcs", yaml("ttl: 25\nloop_wait: 10\nretry_timeout: 10\n"), problems);
        assertMentions(errorAt(problems, "bootstrap.dcs.ttl"), "ttl 25", "loop_wait 10", "retry_timeout 10");
        problems.clear();
        DynamicConfig.fromFile("bootstrap.dcs", yaml("loop_wait: 0\n"), problems);
        assertMentions(errorAt(problems, "bootstrap.dcs.loop_wait"), "got 0", "at least 1");
    }

    @Test
    @DisplayName("synchronous_mode accepts booleans in any Patroni spelling and quorum")
    void synchronousMode() {
        for (Object on : List.of(true, "on", "true", "yes", 1)) {
            assertEquals(DynamicConfig.SynchronousMode.ON,
                    DynamicConfig.from(Map.of("synchronous_mode", on), new ArrayList<>()).synchronousMode(), on::toString);
        }
        for (Object off : List.of(false, "off", "no", 0)) {
            assertEquals(DynamicConfig.SynchronousMode.OFF,
                    DynamicConfig.from(Map.of("synchronous_mode", off), new ArrayList<>()).synchronousMode());
        }
        assertEquals(DynamicConfig.SynchronousMode.QUORUM,
                DynamicConfig.from(Map.of("synchronous_mode", "Quorum"), new ArrayList<>()).synchronousMode());
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig.from(Map.of("synchronous_mode", "always"), problems);
        assertMentions(errorAt(problems, "synchronous_mode"), "'always'", "on, off or quorum");
    }

    @Test
    @DisplayName("every dynamic key is read")
    void everyKey() throws Exception {
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig d = DynamicConfig.from(yaml(java.nio.file.Files.readString(
                ConfigTestSupport.resource("dynamic/every-dynamic-key.yml"))), problems);
        assertEquals(List.of(), problems);
        assertEquals(45, d.ttl());
        assertEquals(8_388_608L, d.maximumLagOnSyncnode());
        assertEquals(50, d.maxTimelinesHistory());
        assertEquals(120, d.primaryStartTimeout());
        assertEquals(30, d.primaryStopTimeout());
        assertEquals(DynamicConfig.SynchronousMode.QUORUM, d.synchronousMode());
        assertTrue(d.synchronousModeStrict());
        assertEquals(2, d.synchronousNodeCount());
        assertTrue(d.failsafeMode());
        assertTrue(d.checkTimeline());
        assertEquals(Duration.ofMinutes(45), d.memberSlotsTtl());
        assertTrue(d.slots().get("analytics_cdc").logical());
        assertEquals(Optional.of("pgoutput"), d.slots().get("analytics_cdc").plugin());
        assertEquals("physical", d.slots().get("dr_site").type());
        assertEquals(Optional.of("debezium_slot"), d.ignoreSlots().get(0).name());
        DynamicConfig.StandbyCluster sc = d.standbyCluster().orElseThrow();
        assertEquals(Optional.of("10.99.0.5,10.99.0.6"), sc.host());
        assertEquals(Optional.of(5433), sc.port());
        assertEquals(Optional.of("5min"), sc.recoveryMinApplyDelay());
        assertFalse(d.postgresql().useSlots());
        assertEquals("on", d.postgresql().parameters().get("hot_standby"));
        assertEquals(Optional.of(List.of("map1 os_user db_user")), d.postgresql().pgIdent());
        assertEquals(true, d.postgresql().other().get("remove_data_directory_on_rewind_failure"));
        assertEquals(45, d.raw().get("ttl"));
    }

    @Test
    @DisplayName("legacy master_*_timeout names are honoured, the new names win")
    void legacyNames() {
        assertEquals(77, DynamicConfig.from(Map.of("master_start_timeout", 77), new ArrayList<>()).primaryStartTimeout());
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig d = DynamicConfig.from(Map.of("master_start_timeout", 77, "primary_start_timeout", 5), problems);
        assertEquals(5, d.primaryStartTimeout());
        warningAt(problems, "master_start_timeout");
    }

    @Test
    @DisplayName("slots: bad names, logical slots without plugin and unknown keys are reported")
    void slots() {
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig d = runtime("slots:\n  Bad-Name: {type: physical}\n  half: {type: logical, database: db}\n"
                + "  fine: null\n  odd: physical\n", problems);
        assertMentions(errorAt(problems, "slots.Bad-Name"), "not a valid slot name", "a-z, 0-9 and _");
        assertMentions(errorAt(problems, "slots.half"), "without plugin");
        assertMentions(errorAt(problems, "slots.odd"), "'physical'", "expected a mapping");
        assertEquals(List.of("fine"), List.copyOf(d.slots().keySet()));
    }

    @Test
    @DisplayName("standby_cluster needs host or restore_command; local-only postgresql keys are ignored")
    void standbyAndLocalOnly() {
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig d = runtime("standby_cluster:\n  primary_slot_name: s\npostgresql:\n  data_dir: /x\n"
                + "  parameters:\n    cluster_name: other\n    max_connections: 10\n", problems);
        assertFalse(d.isStandbyCluster());
        assertMentions(errorAt(problems, "standby_cluster"), "neither host nor restore_command");
        assertMentions(warningAt(problems, "postgresql.data_dir"), "only the local postgresql section");
        assertMentions(warningAt(problems, "postgresql.parameters.cluster_name"), "from scope");
        assertMentions(warningAt(problems, "postgresql.parameters.max_connections"), "'10'", "at least 25", "100");
        assertTrue(runtime("standby_cluster:\n  restore_command: cp %f %p\n", new ArrayList<>()).isStandbyCluster());
        List<ConfigProblem> portOnly = new ArrayList<>();
        assertFalse(runtime("standby_cluster:\n  port: 5433\n", portOnly).isStandbyCluster());
        assertMentions(errorAt(portOnly, "standby_cluster"), "port alone names no server");
    }

    @Test
    @DisplayName("a permanent logical slot needs wal_level logical and hot_standby_feedback on in the parameters")
    void logicalSlotNeedsLogicalWal() {
        List<ConfigProblem> problems = new ArrayList<>();
        runtime("slots:\n  cdc: {type: logical, database: postgres, plugin: pgoutput}\n", problems);
        assertMentions(errorAt(problems, "postgresql.parameters.wal_level"), "cdc needs wal_level: logical");
        assertMentions(errorAt(problems, "postgresql.parameters.hot_standby_feedback"), "hot_standby_feedback: on");
        List<ConfigProblem> fine = new ArrayList<>();
        runtime("slots:\n  cdc: {type: logical, database: postgres, plugin: pgoutput}\npostgresql:\n  parameters:\n"
                + "    wal_level: logical\n    hot_standby_feedback: 'on'\n", fine);
        assertTrue(fine.stream().noneMatch(ConfigProblem::isError), fine.toString());
    }

    @Test
    @DisplayName("the local use_pg_rewind wins over the dynamic one")
    void usePgRewind() {
        DynamicConfig d = runtime("postgresql:\n  use_pg_rewind: true\n", new ArrayList<>());
        PghaConfig unset = ConfigTestSupport.load(ConfigTestSupport.yaml(ConfigTestSupport.MINIMAL)).config();
        PghaConfig off = ConfigTestSupport.load(ConfigTestSupport.minimalWith("postgresql:\n  use_pg_rewind: false\n"))
                .config();
        assertTrue(d.usePgRewind(unset.postgresql()));
        assertFalse(d.usePgRewind(off.postgresql()));
    }
}
