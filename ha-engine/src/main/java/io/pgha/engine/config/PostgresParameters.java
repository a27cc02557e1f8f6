package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server parameters PostgreSQL runs with, merged from the dynamic and the local configuration as Patroni does.
 *
 * <ul>
 * <li>The restart-only parameters ({@link #RESTART_ONLY_DEFAULTS}) come only from the dynamic configuration, so
 * that every member runs with the same values (a replica with fewer {@code max_connections} than its primary cannot
 * replay). An invalid or too small value there means the default; a local value is ignored.</li>
 * <li>{@code listen_addresses} and {@code port} come from {@code postgresql.listen}, {@code cluster_name} is the
 * scope; setting them under {@code parameters} has no effect.</li>
 * <li>For every other parameter the local value wins over the dynamic one.</li>
 * </ul>
 */
public final class PostgresParameters {

    /** Parameters that need a restart, with the default used when the dynamic configuration has no valid value. */
    public static final Map<String, String> RESTART_ONLY_DEFAULTS = restartOnlyDefaults();

    /** Parameters the agent sets itself. */
    public static final Set<String> AGENT_SET = Set.of("listen_addresses", "port", "cluster_name");

    private static final Map<String, Integer> MINIMUMS = Map.of("max_connections", 25, "max_wal_senders", 3,
            "max_prepared_transactions", 0, "max_locks_per_transaction", 32, "max_replication_slots", 4,
            "max_worker_processes", 2, "wal_keep_segments", 1);
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+)\\s*(kB|MB|GB|TB)?\\s*");
    private static final int WAL_SEGMENT_MB = 16;

    private PostgresParameters() {
    }

    private static Map<String, String> restartOnlyDefaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("max_connections", "100");
        m.put("max_wal_senders", "10");
        m.put("max_prepared_transactions", "0");
        m.put("max_locks_per_transaction", "64");
        m.put("max_replication_slots", "10");
        m.put("max_worker_processes", "8");
        m.put("wal_level", "replica");
        m.put("hot_standby", "on");
        m.put("track_commit_timestamp", "off");
        m.put("wal_log_hints", "on");
        m.put("wal_keep_size", "128MB");
        return Collections.unmodifiableMap(m);
    }

    /** True for parameters only the dynamic configuration may set ({@code wal_keep_segments} included). */
    public static boolean isRestartOnly(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return RESTART_ONLY_DEFAULTS.containsKey(n) || n.equals("wal_keep_segments");
    }

    /** The effective parameters for PostgreSQL 13 or later, sorted by name. */
    public static Map<String, String> effective(PghaConfig local, DynamicConfig dynamic) {
        return effective(local, dynamic, 13);
    }

    /**
     * The effective parameters, sorted by name.
     *
     * @param pgMajor the server's major version: before 13 {@code wal_keep_segments} (default 8) is used instead of
     *        {@code wal_keep_size}, from 13 on a {@code wal_keep_segments} is converted to {@code wal_keep_size}
     */
    public static Map<String, String> effective(PghaConfig local, DynamicConfig dynamic, int pgMajor) {
        Map<String, String> out = new TreeMap<>(RESTART_ONLY_DEFAULTS);
        Map<String, String> dyn = dynamic.postgresql().parameters();
        for (Map.Entry<String, String> e : dyn.entrySet()) {
            String name = e.getKey();
            if (AGENT_SET.contains(name)) {
                continue;
            }
            if (isRestartOnly(name)) {
                validRestartOnly(name, e.getValue()).ifPresent(v -> out.put(name, v));
            } else {
                out.put(name, e.getValue());
            }
        }
        Optional<String> segments = Optional.ofNullable(dyn.get("wal_keep_segments"))
                .flatMap(v -> validRestartOnly("wal_keep_segments", v));
        boolean explicitSize = Optional.ofNullable(dyn.get("wal_keep_size"))
                .flatMap(v -> validRestartOnly("wal_keep_size", v)).isPresent();
        out.remove("wal_keep_segments");
        if (pgMajor >= 13) {
            if (segments.isPresent() && !explicitSize) {
                out.put("wal_keep_size", Long.parseLong(segments.get()) * WAL_SEGMENT_MB + "MB");
            }
        } else {
            out.remove("wal_keep_size");
            out.put("wal_keep_segments", segments.orElse("8"));
        }
        for (Map.Entry<String, String> e : local.postgresql().parameters().entrySet()) {
            if (!isRestartOnly(e.getKey()) && !AGENT_SET.contains(e.getKey())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        HostPort listen = local.postgresql().listen();
        out.put("listen_addresses", listen.hosts().isEmpty() ? "*" : String.join(",", listen.hosts()));
        out.put("port", Integer.toString(listen.port()));
        out.put("cluster_name", local.scope());
        return Collections.unmodifiableMap(out);
    }

    /**
     * The value normalised as PostgreSQL text when {@code value} is acceptable for restart-only parameter
     * {@code name}, else empty (the default applies).
     */
    public static Optional<String> validRestartOnly(String name, String value) {
        String n = name.toLowerCase(Locale.ROOT);
        String v = value.trim();
        switch (n) {
            case "wal_level": {
                String l = v.toLowerCase(Locale.ROOT);
                return l.equals("hot_standby") || l.equals("replica") || l.equals("logical") ? Optional.of(l)
                        : Optional.empty();
            }
            case "hot_standby":
                return io.pgha.spi.ConfigSection.parseBoolean(v).filter(b -> b).map(b -> "on");
            case "track_commit_timestamp":
            case "wal_log_hints":
                return io.pgha.spi.ConfigSection.parseBoolean(v).map(b -> b ? "on" : "off");
            case "wal_keep_size": {
                Matcher m = SIZE.matcher(v);
                if (!m.matches()) {
                    return Optional.empty();
                }
                long amount = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "MB" : m.group(2);
                long mb = switch (unit) {
                    case "kB" -> amount / 1024;
                    case "GB" -> amount * 1024;
                    case "TB" -> amount * 1024 * 1024;
                    default -> amount;
                };
                return mb >= 16 ? Optional.of(m.group(2) == null ? amount + "MB" : v) : Optional.empty();
            }
            default: {
                Integer min = MINIMUMS.get(n);
                if (min == null) {
                    return Optional.of(value);
                }
                try {
                    long parsed = Long.parseLong(v);
                    return parsed >= min && parsed <= Integer.MAX_VALUE ? Optional.of(Long.toString(parsed)) : Optional.empty();
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
    }

    private static String expectation(String name) {
        return switch (name) {
            case "wal_level" -> "hot_standby, replica or logical";
            case "hot_standby" -> "on (a replica must accept read-only queries for the agent to monitor it)";
            case "track_commit_timestamp", "wal_log_hints" -> "on or off";
            case "wal_keep_size" -> "a size of at least 16MB";
            default -> "a whole number of at least " + MINIMUMS.get(name);
        };
    }

    /** Warnings for the dynamic {@code parameters}: agent-set names, and restart-only values that will be replaced. */
    static void checkDynamic(String path, Map<String, String> params, List<ConfigProblem> problems) {
        for (Map.Entry<String, String> e : params.entrySet()) {
            String name = e.getKey();
            if (AGENT_SET.contains(name)) {
                problems.add(ConfigProblem.warning(path + "." + name, agentSetMessage(name)));
            } else if (isRestartOnly(name) && validRestartOnly(name, e.getValue()).isEmpty()) {
                String fallback = name.equals("wal_keep_segments") ? "8" : RESTART_ONLY_DEFAULTS.get(name);
                problems.add(ConfigProblem.warning(path + "." + name, "got '" + e.getValue() + "': expected "
                        + expectation(name) + "; the default " + fallback + " is used"));
            }
        }
    }

    /** Warnings for the local {@code postgresql.parameters}: names that only the dynamic configuration or the agent sets. */
    static void checkLocal(String path, Map<String, String> params, List<ConfigProblem> problems) {
        for (String name : params.keySet()) {
            if (AGENT_SET.contains(name)) {
                problems.add(ConfigProblem.warning(path + "." + name, agentSetMessage(name)));
            } else if (isRestartOnly(name)) {
                problems.add(ConfigProblem.warning(path + "." + name, "is ignored here: every member must run with"
                        + " the same " + name + ", so it is only read from the dynamic configuration"
                        + " (bootstrap.dcs.postgresql.parameters, or the DCS config key once the cluster exists)"));
            }
        }
    }

    private static String agentSetMessage(String name) {
        return "is ignored: the agent sets " + name + " itself (" + (name.equals("cluster_name") ? "from scope"
                : "from postgresql.listen") + ")";
    }
}
