package io.pgha.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable view of one mapping of the Patroni-format YAML (a DCS section such as {@code etcd3:}, a replica
 * method's options, ...), as the engine hands it to a plugin, with typed readers that collect problems instead of
 * throwing at the first one.
 *
 * <p>Values are what a YAML/JSON parser produces: {@link String}, {@link Number}, {@link Boolean}, {@link List},
 * {@link Map} or {@code null}. Readers accept the loose forms Patroni accepts (a number written as a string, a
 * boolean written as {@code on}/{@code yes}/{@code 1}) and report anything else as a {@link ConfigProblem} whose
 * path is {@code path() + "." + key}.
 *
 * <p>Typical use in a provider:
 * <pre>{@code
 * List<ConfigProblem> problems = new ArrayList<>();
 * Duration timeout = section.duration("connect_timeout", Duration.ofSeconds(5), problems);
 * List<String> hosts = section.stringList("hosts", problems);
 * section.warnUnknownKeys(Set.of("hosts", "connect_timeout"), problems);
 * if (problems.stream().anyMatch(ConfigProblem::isError)) throw new InvalidConfigException(problems);
 * }</pre>
 *
 * <p>Thread-safe: instances are never modified.
 *
 * @since 1.0
 */
public final class ConfigSection {
    private final String path;
    private final Map<String, Object> values;

    /**
     * @param path dotted path of this mapping in the whole document ({@code ""} for the root)
     * @param values the mapping; copied
     */
    public ConfigSection(String path, Map<String, ?> values) {
        this.path = Objects.requireNonNull(path, "path is null");
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(values, "values is null")));
    }

    /** An empty section at {@code path}. */
    public static ConfigSection empty(String path) {
        return new ConfigSection(path, Map.of());
    }

    public String path() {
        return path;
    }

    /** The raw mapping, unmodifiable, in document order. */
    public Map<String, Object> asMap() {
        return values;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean has(String key) {
        return values.containsKey(key) && values.get(key) != null;
    }

    /** The raw value, or {@code null}. */
    public Object raw(String key) {
        return values.get(key);
    }

    /** Dotted path of {@code key} inside this section. */
    public String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A nested mapping; an empty section when absent; a problem when present but not a mapping. */
    public ConfigSection section(String key, List<ConfigProblem> problems) {
        Object v = values.get(key);
        if (v == null) {
            return empty(pathOf(key));
        }
        if (v instanceof Map<?, ?> m) {
            return new ConfigSection(pathOf(key), stringKeys(m));
        }
        problems.add(ConfigProblem.error(pathOf(key), "got " + describe(v) + ": expected a mapping of keys to values"));
        return empty(pathOf(key));
    }

    /** A string; numbers and booleans are accepted and converted. */
    public Optional<String> string(String key, List<ConfigProblem> problems) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(s);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return Optional.of(String.valueOf(v));
        }
        problems.add(ConfigProblem.error(pathOf(key), "got " + describe(v) + ": expected a string"));
        return Optional.empty();
    }

    public String string(String key, String fallback, List<ConfigProblem> problems) {
        return string(key, problems).orElse(fallback);
    }

    /** A required, non-blank string; absent or blank is a problem. */
    public String requiredString(String key, List<ConfigProblem> problems) {
        Optional<String> s = string(key, problems);
        if (s.isEmpty() && values.get(key) == null) {
            problems.add(ConfigProblem.error(pathOf(key), "is missing: expected a non-empty string"));
            return "";
        }
        if (s.isPresent() && s.get().isBlank()) {
            problems.add(ConfigProblem.error(pathOf(key), "is empty: expected a non-empty string"));
        }
        return s.orElse("");
    }

    /** A whole number, also when written as a string such as {@code "30"}. */
    public Optional<Long> integer(String key, List<ConfigProblem> problems) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return Optional.of(((Number) v).longValue());
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
            return Optional.of(n.longValue());
        }
        if (v instanceof String s) {
            try {
                return Optional.of(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        problems.add(ConfigProblem.error(pathOf(key), "got " + describe(v) + ": expected a whole number"));
        return Optional.empty();
    }

    public long integer(String key, long fallback, List<ConfigProblem> problems) {
        return integer(key, problems).orElse(fallback);
    }

    /**
     * A boolean: {@code true/false}, and Patroni's loose spellings {@code on/off}, {@code yes/no}, {@code 1/0}
     * (case-insensitive).
     */
    public Optional<Boolean> bool(String key, List<ConfigProblem> problems) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        Optional<Boolean> parsed = parseBoolean(v);
        if (parsed.isEmpty()) {
            problems.add(ConfigProblem.error(pathOf(key), "got " + describe(v) + ": expected true or false"));
        }
        return parsed;
    }

    public boolean bool(String key, boolean fallback, List<ConfigProblem> problems) {
        return bool(key, problems).orElse(fallback);
    }

    /** Parses Patroni's loose boolean spellings; empty when {@code v} is not one of them. */
    public static Optional<Boolean> parseBoolean(Object v) {
        if (v instanceof Boolean b) {
            return Optional.of(b);
        }
        if (v instanceof Number n && (n.longValue() == 0 || n.longValue() == 1) && n.doubleValue() == n.longValue()) {
            return Optional.of(n.longValue() == 1);
        }
        if (v instanceof String s) {
            switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "on", "yes", "1", "y":
                    return Optional.of(true);
                case "false", "off", "no", "0", "n":
                    return Optional.of(false);
                default:
                    return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * A duration: a bare number means seconds; a string may carry a unit ({@code 500ms}, {@code 10s}, {@code 5min},
     * {@code 2h}, {@code 1d}).
     */
    public Optional<Duration> duration(String key, List<ConfigProblem> problems) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        Optional<Duration> d = parseDuration(v);
        if (d.isEmpty()) {
            problems.add(ConfigProblem.error(pathOf(key),
                    "got " + describe(v) + ": expected a duration (seconds, or a number with ms/s/min/h/d)"));
        } else if (d.get().isNegative()) {
            problems.add(ConfigProblem.error(pathOf(key), "got " + describe(v) + ": a duration cannot be negative"));
            return Optional.empty();
        }
        return d;
    }

    public Duration duration(String key, Duration fallback, List<ConfigProblem> problems) {
        return duration(key, problems).orElse(fallback);
    }

    /** Parses a duration as {@link #duration} does; empty when it is not one. */
    public static Optional<Duration> parseDuration(Object v) {
        if (v instanceof Number n) {
            return Optional.of(Duration.ofMillis(Math.round(n.doubleValue() * 1000)));
        }
        if (!(v instanceof String s)) {
            return Optional.empty();
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*(-?\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|min|m|h|d)?\\s*")
                .matcher(s);
        if (!m.matches()) {
            return Optional.empty();
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "s", "sec" -> amount * 1000;
            case "min", "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            default -> amount * 86_400_000;
        };
        return Optional.of(Duration.ofMillis(Math.round(millis)));
    }

    /**
     * A list of strings. Accepts a YAML list, or a single string holding comma-separated items ({@code "a:1,b:2"}),
     * as Patroni does for host lists.
     */
    public List<String> stringList(String key, List<ConfigProblem> problems) {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
            return List.copyOf(out);
        }
        if (v instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                Object item = list.get(i);
                if (item instanceof String || item instanceof Number) {
                    out.add(String.valueOf(item).trim());
                } else {
                    problems.add(ConfigProblem.error(pathOf(key) + "[" + i + "]", "got " + describe(item) + ": expected a string"));
                }
            }
            return List.copyOf(out);
        }
        problems.add(ConfigProblem.error(pathOf(key), "got " + describe(v) + ": expected a list of strings"));
        return List.of();
    }

    /** Adds a warning for every key of this section that is not in {@code known}. */
    public void warnUnknownKeys(Set<String> known, List<ConfigProblem> problems) {
        for (String k : new TreeSet<>(values.keySet())) {
            if (!known.contains(k)) {
                problems.add(ConfigProblem.warning(pathOf(k), "unknown key, ignored"));
            }
        }
    }

    /** A short, log-safe description of a value for problem messages (long values are cut). */
    public static String describe(Object v) {
        if (v == null) {
            return "nothing (null)";
        }
        String kind = v instanceof Map ? "a mapping" : v instanceof List ? "a list" : v instanceof String ? "the text"
                : v instanceof Boolean ? "the boolean" : v instanceof Number ? "the number" : "a " + v.getClass().getSimpleName();
        if (v instanceof Map || v instanceof List) {
            return kind;
        }
        String text = String.valueOf(v);
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return kind + " '" + text + "'";
    }

    private static Map<String, Object> stringKeys(Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), val));
        return out;
    }

    @Override
    public String toString() {
        return "ConfigSection[" + path + "]" + values.keySet();
    }
}
