package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One command-line option for {@code initdb} or {@code pg_basebackup}, as written in {@code bootstrap.initdb} or
 * {@code postgresql.basebackup}: a bare flag ({@code - data-checksums} gives {@code --data-checksums}) or a
 * key with a value ({@code - encoding: UTF8} gives {@code --encoding=UTF8}).
 *
 * @param name the option name without dashes
 * @param value its value, quotes removed; empty for a flag
 */
public record CommandOption(String name, Optional<String> value) {

    public CommandOption {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(value, "value is null");
    }

    /** The argument to pass: {@code --name} or {@code --name=value}. */
    public String toArgument() {
        return value.map(v -> "--" + name + "=" + v).orElse("--" + name);
    }

    /**
     * Reads options in Patroni's three accepted shapes: a list of flags and single-key mappings, or one mapping of
     * options to values. {@code forbidden} options (those the engine sets itself) are errors.
     */
    static List<CommandOption> parse(String path, Object raw, Set<String> forbidden, List<ConfigProblem> problems) {
        List<CommandOption> out = new ArrayList<>();
        if (raw == null) {
            return List.of();
        }
        if (raw instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                add(path + "." + key, key, e.getValue(), forbidden, problems, out);
            }
            return List.copyOf(out);
        }
        if (!(raw instanceof List<?> list)) {
            problems.add(ConfigProblem.error(path, "got " + ConfigSection.describe(raw)
                    + ": expected a list of options (flags such as data-checksums, or key: value items) or a mapping"));
            return List.of();
        }
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            String itemPath = path + "[" + i + "]";
            if (item instanceof String flag && !flag.isBlank()) {
                String name = flag.trim();
                if (checkAllowed(itemPath, name, forbidden, problems)) {
                    out.add(new CommandOption(name, Optional.empty()));
                }
            } else if (item instanceof Map<?, ?> single && single.size() == 1) {
                Map.Entry<?, ?> e = single.entrySet().iterator().next();
                add(itemPath, String.valueOf(e.getKey()), e.getValue(), forbidden, problems, out);
            } else {
                problems.add(ConfigProblem.error(itemPath, "got " + ConfigSection.describe(item)
                        + ": expected an option name or a single key: value pair"));
            }
        }
        return List.copyOf(out);
    }

    private static void add(String path, String key, Object value, Set<String> forbidden, List<ConfigProblem> problems,
            List<CommandOption> out) {
        if (!checkAllowed(path, key, forbidden, problems)) {
            return;
        }
        if (value instanceof Map || value instanceof List) {
            problems.add(ConfigProblem.error(path, "got " + ConfigSection.describe(value)
                    + ": expected a single value for option " + key));
            return;
        }
        if (value instanceof Boolean b) {
            // Patroni would pass --name=True, which initdb and pg_basebackup reject; a flag is what was meant
            if (b) {
                out.add(new CommandOption(key, Optional.empty()));
            } else {
                problems.add(ConfigProblem.warning(path, "is false: option " + key + " is not passed"));
            }
            return;
        }
        if (value == null || (value instanceof String s && s.isEmpty())) {
            // Patroni skips options whose value is empty in the mapping form
            problems.add(ConfigProblem.warning(path, "has no value: option " + key + " is skipped"));
            return;
        }
        out.add(new CommandOption(key, Optional.of(unquote(String.valueOf(value)))));
    }

    private static boolean checkAllowed(String path, String name, Set<String> forbidden, List<ConfigProblem> problems) {
        if (forbidden.contains(name)) {
            problems.add(ConfigProblem.error(path, "sets option '" + name + "', which the agent sets itself: remove it"
                    + " (options that may not be set: " + String.join(", ", new java.util.TreeSet<>(forbidden)) + ")"));
            return false;
        }
        return true;
    }

    private static String unquote(String v) {
        String t = v.trim();
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
            return t.substring(1, t.length() - 1);
        }
        return v;
    }
}
