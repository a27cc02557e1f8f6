package io.pgha.engine.rest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: it throws on anything a Prometheus
 * server would reject or that the format forbids (bad names, bad escapes, a family split in two, a second TYPE or
 * HELP, a TYPE after the family's samples, a duplicate series, a value that is not a number, no final newline).
 */
public final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A metric family: its TYPE, HELP and samples. */
    public record Family(String name, String type, String help, List<Sample> samples) {
    }

    private PrometheusText() {
    }

    /** Families by name, in the order they appear. */
    public static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition does not end with a newline");
        }
        Map<String, String> types = new HashMap<>();
        Map<String, String> helps = new HashMap<>();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Set<String> closed = new HashSet<>();
        Set<String> series = new HashSet<>();
        String current = null;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            String where = "line " + lineNo + " (" + line + "): ";
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String name = parts[2];
                    requireName(name, where);
                    String rest = parts.length == 4 ? parts[3] : "";
                    if (parts[1].equals("TYPE")) {
                        if (!TYPES.contains(rest)) {
                            throw new IllegalArgumentException(where + "unknown type " + rest);
                        }
                        if (types.put(name, rest) != null) {
                            throw new IllegalArgumentException(where + "second TYPE for " + name);
                        }
                        if (samples.containsKey(name)) {
                            throw new IllegalArgumentException(where + "TYPE after samples of " + name);
                        }
                    } else {
                        checkHelpEscapes(rest, where);
                        if (helps.put(name, rest) != null) {
                            throw new IllegalArgumentException(where + "second HELP for " + name);
                        }
                    }
                    if (current != null && !current.equals(name)) {
                        closed.add(current);
                    }
                    if (closed.contains(name)) {
                        throw new IllegalArgumentException(where + "family " + name + " appears twice");
                    }
                    current = name;
                }
                continue;
            }
            Sample s = sample(line, where);
            String family = familyOf(s.name(), types);
            if (current != null && !current.equals(family)) {
                closed.add(current);
            }
            if (closed.contains(family)) {
                throw new IllegalArgumentException(where + "family " + family + " is split in two");
            }
            current = family;
            if (!series.add(s.name() + new TreeMap<>(s.labels()))) {
                throw new IllegalArgumentException(where + "duplicate series");
            }
            samples.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
        }
        Map<String, Family> out = new LinkedHashMap<>();
        samples.forEach((name, list) -> out.put(name, new Family(name, types.getOrDefault(name, "untyped"),
                helps.get(name), List.copyOf(list))));
        return out;
    }

    /** The one sample of {@code name} with exactly {@code labels}. */
    public static double value(Map<String, Family> families, String name, Map<String, String> labels) {
        Family f = Objects.requireNonNull(families.get(name), () -> "no metric family " + name);
        return f.samples().stream().filter(s -> s.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError(name + labels + " not among " + f.samples())).value();
    }

    private static String familyOf(String sampleName, Map<String, String> types) {
        for (String suffix : List.of("_bucket", "_sum", "_count", "_created", "_total")) {
            if (sampleName.endsWith(suffix)) {
                String base = sampleName.substring(0, sampleName.length() - suffix.length());
                String t = types.get(base);
                if (t != null && (t.equals("histogram") || t.equals("summary") || t.equals("counter"))) {
                    return base;
                }
            }
        }
        return sampleName;
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        requireName(name, where);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw new IllegalArgumentException(where + "label without '='");
                }
                String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches()) {
                    throw new IllegalArgumentException(where + "bad label name '" + label + "'");
                }
                if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException(where + "label value not quoted");
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (;; j++) {
                    if (j >= line.length()) {
                        throw new IllegalArgumentException(where + "unterminated label value");
                    }
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        switch (n) {
                            case '\\' -> v.append('\\');
                            case '"' -> v.append('"');
                            case 'n' -> v.append('\n');
                            default -> throw new IllegalArgumentException(where + "bad escape \\" + n);
                        }
                    } else if (c == '"') {
                        break;
                    } else {
                        v.append(c);
                    }
                }
                if (labels.put(label, v.toString()) != null) {
                    throw new IllegalArgumentException(where + "label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw new IllegalArgumentException(where + "expected ',' or '}'");
                }
            }
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException(where + "no space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException(where + "expected a value and an optional timestamp");
        }
        double value = number(rest[0], where);
        if (rest.length == 2) {
            try {
                Long.parseLong(rest[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + "bad timestamp " + rest[1]);
            }
        }
        return new Sample(name, labels, value);
    }

    private static double number(String s, String where) {
        switch (s) {
            case "NaN" -> {
                return Double.NaN;
            }
            case "+Inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
                if (!s.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
                    throw new IllegalArgumentException(where + "bad value " + s);
                }
                return Double.parseDouble(s);
            }
        }
    }

    private static void requireName(String name, String where) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + "bad metric name '" + name + "'");
        }
    }

    private static void checkHelpEscapes(String help, String where) {
        for (int i = 0; i < help.length(); i++) {
            if (help.charAt(i) == '\\') {
                char n = i + 1 < help.length() ? help.charAt(i + 1) : ' ';
                if (n != '\\' && n != 'n') {
                    throw new IllegalArgumentException(where + "bad escape in HELP");
                }
                i++;
            }
        }
    }
}
