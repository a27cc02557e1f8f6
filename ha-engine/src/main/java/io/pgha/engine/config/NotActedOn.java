package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Settings this version of pgha reads but does not act on. A Patroni user's setting is acted on or refused, never
 * silently dropped: each one set here is reported by {@code pgha validate}, at agent start-up and whenever the DCS
 * {@code config} key changes. Where carrying on without it would lose data or start a second primary it is an error
 * (the agent refuses to start; at runtime it is logged as an error on every change); elsewhere a warning naming what
 * happens instead.
 *
 * <p>{@link #ACTED_ON} and the entries below together classify every key of {@link DynamicConfig#KEYS}; a test keeps
 * the classification complete, so a new key cannot slip through unclassified, and a key that gets implemented moves
 * from here to {@link #ACTED_ON}.
 */
public final class NotActedOn {
    private NotActedOn() {
    }

    /**
     * One setting: where it lives in the dynamic configuration, when it counts as set, whether ignoring it is unsafe,
     * and what happens instead.
     */
    record Entry(String key, Predicate<DynamicConfig> isSet, boolean unsafe, String consequence) {
    }

    /** Keys of the dynamic configuration this version acts on. */
    static final Set<String> ACTED_ON = Set.of("ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover",
            "primary_start_timeout", "master_start_timeout", "postgresql", "pause", "synchronous_mode_strict",
            "synchronous_node_count", "maximum_lag_on_syncnode", "failsafe_mode", "permanent_slots",
            "permanent_replication_slots", "ignore_slots", "member_slots_ttl",
            "check_timeline", "max_timelines_history", "primary_stop_timeout", "master_stop_timeout",
            "standby_cluster", "synchronous_mode", "slots");

    /** Keys of the dynamic configuration this version does not act on. */
    static final List<Entry> DYNAMIC = List.of(
            new Entry("primary_race_backoff", d -> d.raw().containsKey("primary_race_backoff"), false,
                    "the leader race does not back off"));

    /** Every problem of the dynamic configuration at {@code path} ({@code bootstrap.dcs}, or {@code config}). */
    public static List<ConfigProblem> check(String path, DynamicConfig dynamic) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (Entry e : DYNAMIC) {
            if (e.isSet().test(dynamic)) {
                problems.add(problem(path.isEmpty() ? e.key() : path + "." + e.key(), e.unsafe(), e.consequence()));
            }
        }
        return problems;
    }

    /**
     * Every problem of a member's local configuration, its {@code bootstrap.dcs} included.
     *
     * @param tree the document the configuration was read from (what was written, not the defaults)
     */
    public static List<ConfigProblem> check(PghaConfig config, Map<String, Object> tree) {
        List<ConfigProblem> problems = new ArrayList<>(check("bootstrap.dcs", config.bootstrap().dcs()));
        if (tree.get("log") instanceof Map<?, ?> log) {
            problems.addAll(checkLog(config.log(), log));
        }
        if (config.citus().isPresent()) {
            problems.add(problem("citus", true, "the Citus coordinator and workers are not registered with each "
                    + "other"));
        }
        return problems;
    }

    /** The {@code log} keys that act only on the log file, or not at all; {@code written} is the section as written. */
    private static List<ConfigProblem> checkLog(LogConfig log, Map<?, ?> written) {
        List<ConfigProblem> problems = new ArrayList<>();
        boolean jsonFile = log.type().equals("json") && log.dir().isPresent();
        if (written.containsKey("static_fields") && !jsonFile) {
            problems.add(problem("log.static_fields", false, "static fields are added to the JSON records of the log "
                    + "file only (log.type: json with log.dir); these logs do not carry them"));
        }
        if (written.containsKey("traceback_level") && log.dir().isEmpty()) {
            problems.add(problem("log.traceback_level", false, "it applies to the log file (log.dir); the agent's "
                    + "stderr keeps conf/logback.xml's format, stack traces included"));
        }
        if (written.containsKey("max_queue_size")) {
            problems.add(problem("log.max_queue_size", false, "pgha writes each record as it is logged; there is no "
                    + "queue to bound, and no record is dropped"));
        }
        if (written.containsKey("dateformat")) {
            problems.add(problem("log.dateformat", false, "timestamps keep the format yyyy-MM-dd HH:mm:ss,SSS"));
        }
        return problems;
    }

    private static ConfigProblem problem(String path, boolean unsafe, String consequence) {
        String text = "is set, but this version of pgha does not act on it: " + consequence;
        return unsafe ? ConfigProblem.error(path, text) : ConfigProblem.warning(path, text);
    }

    /** The classification, for the test that keeps it complete. */
    static Map<String, Boolean> classification() {
        Map<String, Boolean> out = new java.util.TreeMap<>();
        ACTED_ON.forEach(k -> out.put(k, true));
        DYNAMIC.forEach(e -> out.put(e.key(), false));
        return out;
    }
}
