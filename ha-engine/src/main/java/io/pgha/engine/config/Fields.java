package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Typed readers the SPI's {@link ConfigSection} lacks; all report problems instead of throwing. */
final class Fields {
    private Fields() {
    }

    /** A whole number no smaller than {@code min}; below it is an error and the default is used. */
    static long atLeast(ConfigSection s, String key, long fallback, long min, List<ConfigProblem> problems) {
        Optional<Long> v = s.integer(key, problems);
        if (v.isPresent() && v.get() < min) {
            problems.add(ConfigProblem.error(s.pathOf(key), "got " + v.get() + ": expected a whole number of at least " + min));
            return fallback;
        }
        return v.orElse(fallback);
    }

    /** A whole number within {@code min..max}. */
    static long between(ConfigSection s, String key, long fallback, long min, long max, List<ConfigProblem> problems) {
        Optional<Long> v = s.integer(key, problems);
        if (v.isPresent() && (v.get() < min || v.get() > max)) {
            problems.add(ConfigProblem.error(s.pathOf(key),
                    "got " + v.get() + ": expected a whole number from " + min + " to " + max));
            return fallback;
        }
        return v.orElse(fallback);
    }

    static Optional<Secret> secret(ConfigSection s, String key, List<ConfigProblem> problems) {
        return s.string(key, problems).map(Secret::new);
    }

    /** A non-blank string if present (blank counts as absent). */
    static Optional<String> text(ConfigSection s, String key, List<ConfigProblem> problems) {
        return s.string(key, problems).filter(v -> !v.isBlank());
    }

    /** One of {@code allowed} (compared case-insensitively), or an error naming the allowed values. */
    static Optional<String> oneOf(ConfigSection s, String key, List<String> allowed, List<ConfigProblem> problems) {
        Optional<String> v = s.string(key, problems);
        if (v.isEmpty()) {
            return v;
        }
        String lower = v.get().trim().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.toLowerCase(Locale.ROOT).equals(lower)) {
                return Optional.of(a);
            }
        }
        problems.add(ConfigProblem.error(s.pathOf(key),
                "got " + ConfigSection.describe(s.raw(key)) + ": expected one of " + String.join(", ", allowed)));
        return Optional.empty();
    }

    /** A {@code host:port} address. */
    static Optional<HostPort> hostPort(ConfigSection s, String key, boolean multipleHosts, boolean hostRequired,
            List<ConfigProblem> problems) {
        Object raw = s.raw(key);
        if (raw == null) {
            return Optional.empty();
        }
        if (!(raw instanceof String) && !(raw instanceof Number)) {
            problems.add(ConfigProblem.error(s.pathOf(key), "got " + ConfigSection.describe(raw) + ": expected host:port"));
            return Optional.empty();
        }
        HostPort.Parsed parsed = HostPort.parse(String.valueOf(raw), multipleHosts, hostRequired);
        parsed.problem().ifPresent(p -> problems.add(ConfigProblem.error(s.pathOf(key),
                ConfigSection.describe(raw) + " " + p)));
        return parsed.value();
    }

    /** A list of lines (pg_hba, pg_ident): a YAML list of strings, absent when not set. */
    static Optional<List<String>> lines(ConfigSection s, String key, List<ConfigProblem> problems) {
        Object raw = s.raw(key);
        if (raw == null) {
            return Optional.empty();
        }
        if (!(raw instanceof List<?> list)) {
            problems.add(ConfigProblem.error(s.pathOf(key), "got " + ConfigSection.describe(raw) + ": expected a list of lines"));
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            if (item instanceof String || item instanceof Number) {
                out.add(String.valueOf(item));
            } else {
                problems.add(ConfigProblem.error(s.pathOf(key) + "[" + i + "]",
                        "got " + ConfigSection.describe(item) + ": expected a line of text"));
            }
        }
        return Optional.of(List.copyOf(out));
    }

    /** A mapping of names to scalar values rendered as text (booleans as on/off when {@code pgStyle}). */
    static Map<String, String> scalarMap(ConfigSection s, String key, boolean pgStyle, List<ConfigProblem> problems) {
        Object raw = s.raw(key);
        if (raw == null) {
            return Map.of();
        }
        if (!(raw instanceof Map<?, ?> m)) {
            problems.add(ConfigProblem.error(s.pathOf(key), "got " + ConfigSection.describe(raw) + ": expected a mapping of names to values"));
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String name = String.valueOf(e.getKey());
            Object v = e.getValue();
            String path = s.pathOf(key) + "." + name;
            if (v == null) {
                problems.add(ConfigProblem.warning(path, "has no value: ignored"));
            } else if (v instanceof Map || v instanceof List) {
                problems.add(ConfigProblem.error(path, "got " + ConfigSection.describe(v) + ": expected a single value"));
            } else {
                out.put(name, pgStyle ? pgValue(v) : String.valueOf(v));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** A value as PostgreSQL expects it in postgresql.conf: booleans as on/off, numbers without exponent. */
    static String pgValue(Object v) {
        if (v instanceof Boolean b) {
            return b ? "on" : "off";
        }
        if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
            return new BigDecimal(v.toString()).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(v);
    }

    /** A mapping of names to sub-mappings or anything; an error when present but not a mapping. */
    static Map<String, Object> rawMap(ConfigSection s, String key, List<ConfigProblem> problems) {
        return s.section(key, problems).asMap();
    }
}
