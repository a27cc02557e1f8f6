package io.pgha.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every setting is acted on or reported: never silently dropped. */
class NotActedOnTest {
    private static InvalidConfigException refused(String yaml) {
        try {
            new ConfigLoader(Map.of(), Set.of()).load(ConfigTestSupport.minimalWith(yaml));
        } catch (InvalidConfigException e) {
            return e;
        }
        throw new AssertionError("accepted:\n" + yaml);
    }

    private static List<ConfigProblem> warnings(String yaml) {
        return new ConfigLoader(Map.of(), Set.of()).load(ConfigTestSupport.minimalWith(yaml)).warnings();
    }

    @Test
    @DisplayName("every key of the dynamic configuration is classified as acted on or not, exactly once")
    void classificationIsComplete() {
        Set<String> classified = new TreeSet<>(NotActedOn.ACTED_ON);
        Set<String> entries = new TreeSet<>();
        for (NotActedOn.Entry e : NotActedOn.DYNAMIC) {
            assertTrue(entries.add(e.key()), e.key() + " is reported twice");
            String top = e.key().split("\\.")[0];
            assertTrue(!NotActedOn.ACTED_ON.contains(top), top + " is both acted on and reported");
            classified.add(top);
        }
        assertEquals(new TreeSet<>(DynamicConfig.KEYS), classified,
                "classify each new key of DynamicConfig.KEYS in NotActedOn (acted on, or reported)");
    }

    @Test
    @DisplayName("settings whose absence would lose data or start a second primary refuse the configuration")
    void unsafeSettingsAreErrors() {
        InvalidConfigException e = refused("citus: {group: 0, database: citus}\n");
        assertTrue(e.problems().stream().anyMatch(p -> p.isError() && p.toString().startsWith("citus")
                && p.toString().contains("this version of pgha does not act on it")), e.problems().toString());
    }

    @Test
    @DisplayName("settings pgha does not act on but whose absence is safe are warnings naming the key")
    void otherSettingsAreWarnings() {
        List<ConfigProblem> w = warnings("bootstrap: {dcs: {primary_race_backoff: 3}}\n");
        assertTrue(w.stream().anyMatch(p -> p.toString().startsWith("bootstrap.dcs.primary_race_backoff")
                && p.toString().contains("does not act on it")), w.toString());
    }

    @Test
    @DisplayName("the watchdog is acted on in every mode: nothing is reported")
    void watchdogIsActedOn() {
        for (String mode : List.of("off", "automatic", "required")) {
            assertTrue(warnings("watchdog: {mode: " + mode + "}\n").stream()
                    .noneMatch(p -> p.toString().startsWith("watchdog")), mode);
        }
    }

    @Test
    @DisplayName("primary_stop_timeout and its old name master_stop_timeout are acted on: they are not reported")
    void primaryStopTimeoutIsActedOn() {
        assertTrue(warnings("bootstrap: {dcs: {primary_stop_timeout: 30, synchronous_mode: true}}\n").stream()
                .noneMatch(p -> p.toString().contains("stop_timeout") && p.toString().contains("does not act on it")));
        assertTrue(warnings("bootstrap: {dcs: {master_stop_timeout: 30}}\n").stream()
                .noneMatch(p -> p.toString().contains("stop_timeout") && p.toString().contains("does not act on it")));
    }

    @Test
    @DisplayName("log keys without effect on these logs are warnings; static_fields and traceback_level on a json log file are not")
    void logKeys() {
        List<String> stderr = warnings("log: {static_fields: {dc: eu1}, traceback_level: DEBUG, max_queue_size: 500, "
                + "dateformat: \"%Y\"}\n").stream().map(ConfigProblem::toString).toList();
        for (String key : List.of("log.static_fields", "log.traceback_level", "log.max_queue_size", "log.dateformat")) {
            assertTrue(stderr.stream().anyMatch(t -> t.startsWith(key) && t.contains("does not act on it")),
                    key + " in " + stderr);
        }
        List<String> jsonFile = warnings("log: {type: json, dir: /tmp, static_fields: {dc: eu1}, "
                + "traceback_level: DEBUG}\n").stream().map(ConfigProblem::toString).toList();
        assertTrue(jsonFile.stream().noneMatch(t -> t.startsWith("log.")), jsonFile.toString());
    }

    @Test
    @DisplayName("pause is acted on: it is not reported")
    void pauseIsActedOn() {
        assertTrue(warnings("bootstrap: {dcs: {pause: true}}\n").stream()
                .noneMatch(p -> p.toString().contains("pause")));
    }

    @Test
    @DisplayName("a standby cluster fed by restore_command alone, and its create_replica_methods, are acted on")
    void archiveOnlyStandbyClusterIsActedOn() {
        List<ConfigProblem> problems = NotActedOn.check("config", DynamicConfig.from(Map.of("standby_cluster",
                Map.of("restore_command", "cp /archive/%f %p", "create_replica_methods", List.of("restore"))),
                new ArrayList<>()));
        assertEquals(List.of(), problems);
    }

    @Test
    @DisplayName("synchronous replication and its keys are acted on")
    void synchronousModeIsActedOn() {
        List<ConfigProblem> problems = NotActedOn.check("config", DynamicConfig.from(Map.of(
                "standby_cluster", Map.of("host", "10.0.0.1", "port", 5432), "synchronous_mode", true,
                "failsafe_mode", true, "synchronous_mode_strict", true, "synchronous_node_count", 2, "maximum_lag_on_syncnode", 1024),
                new ArrayList<>()));
        assertEquals(List.of(), problems);
    }

    @Test
    @DisplayName("the DCS config key is checked with the same list at runtime")
    void runtimeCheck() {
        List<ConfigProblem> problems = NotActedOn.check("config", DynamicConfig.from(Map.of("primary_race_backoff", 3),
                new ArrayList<>()));
        assertEquals(1, problems.size());
        assertFalse(problems.get(0).isError());
        assertTrue(problems.get(0).toString().startsWith("config.primary_race_backoff"), problems.toString());
        assertEquals(List.of(), NotActedOn.check("config",
                DynamicConfig.from(Map.of("synchronous_mode", "quorum"), new ArrayList<>())), "quorum commit is acted on");
    }
}
