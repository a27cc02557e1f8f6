package io.pgha.bootstrap.initdb.internal;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a program-options section ({@code bootstrap.initdb}) into command-line arguments, the way Patroni does:
 * {@code name: value} gives {@code --name=value} (enclosing quotes removed), a flag gives {@code --name}.
 *
 * <p>The section arrives as a mapping. Patroni's list form ({@code - data-checksums}, {@code - encoding: UTF8})
 * arrives either converted to that mapping with {@code true} for flags, or keyed by list index ({@code "0"},
 * {@code "1"}, ...) with each item as its value; both are read. {@code true} is a flag, {@code false} and empty values
 * are skipped with a warning, options the agent sets itself are errors, and so are names that are not plain option
 * names (a name such as {@code pgdata=/x} must not smuggle a forbidden option in).
 */
public final class CommandLineOptions {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final Pattern INDEX = Pattern.compile("\\d+");

    private CommandLineOptions() {
    }

    /** The arguments for {@code section}; problems (paths relative to the whole document) go to {@code problems}. */
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

    static String unquote(String v) {
        String t = v.trim();
        if (t.length() >= 2 && (t.charAt(0) == '"' || t.charAt(0) == '\'') && t.charAt(t.length() - 1) == t.charAt(0)) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
