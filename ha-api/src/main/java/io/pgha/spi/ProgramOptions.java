package io.pgha.spi;

import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Patroni's program-option sections ({@code bootstrap.initdb}, {@code postgresql.basebackup}, a custom method's
 * options) and how they become command-line arguments: {@code name: value} gives {@code --name=value} (enclosing
 * quotes removed), a flag gives {@code --name}.
 *
 * <p>Users write these sections as a mapping or as Patroni's list ({@code - data-checksums},
 * {@code - encoding: UTF8}). A {@link ConfigSection} holds only mappings, so the engine hands a list to a plugin
 * keyed by index ({@code "0"}, {@code "1"}, ...: see {@link #section}); {@link #arguments} reads both forms.
 * {@code true} is a flag, {@code false} and empty values are skipped with a warning, options the caller sets itself
 * are errors, and so are names that are not plain option names (a name such as {@code pgdata=/x} must not smuggle a
 * forbidden option in).
 *
 * <p>Stateless and thread-safe.
 *
 * @since 1.0
 */
public final class ProgramOptions {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final Pattern INDEX = Pattern.compile("\\d+");

    private ProgramOptions() {
    }

    /**
     * The section for a program-options value as the user wrote it: a list becomes a mapping keyed by index, a
     * mapping stays as it is, anything else (absent included) is an empty section.
     *
     * @param path the value's dotted path in the document, for problem paths
     */
    public static ConfigSection section(String path, Object raw) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (raw instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                m.put(Integer.toString(i), list.get(i));
            }
        } else if (raw instanceof Map<?, ?> map) {
            map.forEach((k, v) -> m.put(String.valueOf(k), v));
        }
        return new ConfigSection(path, m);
    }

    /**
     * The arguments for {@code section}, in order; problems (with paths of the whole document) go to
     * {@code problems}.
     *
     * @param forbidden option names the caller sets itself
     */
    public static List<String> arguments(ConfigSection section, Set<String> forbidden, List<ConfigProblem> problems) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : section.asMap().entrySet()) {
            String path = section.pathOf(e.getKey());
            if (INDEX.matcher(e.getKey()).matches()) {
                item(path, e.getValue(), forbidden, problems, out);
            } else {
                option(path, e.getKey(), e.getValue(), forbidden, problems, out);
            }
        }
        return List.copyOf(out);
    }

    private static void item(String path, Object item, Set<String> forbidden, List<ConfigProblem> problems,
            List<String> out) {
        if (item instanceof String flag && !flag.isBlank()) {
            if (allowed(path, flag.trim(), forbidden, problems)) {
                out.add("--" + flag.trim());
            }
        } else if (item instanceof Map<?, ?> single && single.size() == 1) {
            Map.Entry<?, ?> e = single.entrySet().iterator().next();
            option(path, String.valueOf(e.getKey()), e.getValue(), forbidden, problems, out);
        } else {
            problems.add(ConfigProblem.error(path, "got " + ConfigSection.describe(item)
                    + ": expected an option name or a single name: value pair"));
        }
    }

    private static void option(String path, String name, Object value, Set<String> forbidden,
            List<ConfigProblem> problems, List<String> out) {
        if (!allowed(path, name, forbidden, problems)) {
            return;
        }
        if (value instanceof Boolean b) {
            if (b) {
                out.add("--" + name);
            } else {
                problems.add(ConfigProblem.warning(path, "is false: option " + name + " is not passed"));
            }
            return;
        }
        if (value instanceof Map || value instanceof List) {
            problems.add(ConfigProblem.error(path, "got " + ConfigSection.describe(value)
                    + ": expected a single value for option " + name));
            return;
        }
        if (value == null || String.valueOf(value).isBlank()) {
            problems.add(ConfigProblem.warning(path, "has no value: option " + name + " is not passed"));
            return;
        }
        out.add("--" + name + "=" + unquote(String.valueOf(value)));
    }

    private static boolean allowed(String path, String name, Set<String> forbidden, List<ConfigProblem> problems) {
        if (!NAME.matcher(name).matches()) {
            problems.add(ConfigProblem.error(path, "'" + name + "' is not an option name (letters, digits and -, no"
                    + " leading dashes)"));
            return false;
        }
        if (forbidden.contains(name)) {
            problems.add(ConfigProblem.error(path, "sets option '" + name + "', which the agent sets itself: remove it"
                    + " (options that may not be set: " + String.join(", ", new TreeSet<>(forbidden)) + ")"));
            return false;
        }
        return true;
    }

    private static String unquote(String v) {
        String t = v.trim();
        if (t.length() >= 2 && (t.charAt(0) == '"' || t.charAt(0) == '\'') && t.charAt(t.length() - 1) == t.charAt(0)) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
