package io.pgha.replica.rsync.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reading libpq's {@code key=value} connection strings and pgpass files, as libpq does. */
final class LibpqOptions {
    private LibpqOptions() {
    }

    /**
     * The options of {@code conninfo}: values may be single-quoted, with backslash escapes.
     *
     * @throws IllegalArgumentException for text that is not a connection string
     */
    static Map<String, String> parse(String conninfo) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = conninfo.length();
        while (true) {
            while (i < n && Character.isWhitespace(conninfo.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return out;
            }
            int eq = conninfo.indexOf('=', i);
            if (eq < 0) {
                throw new IllegalArgumentException("missing '=' after '" + conninfo.substring(i) + "'");
            }
            String key = conninfo.substring(i, eq).strip();
            i = eq + 1;
            while (i < n && Character.isWhitespace(conninfo.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && conninfo.charAt(i) == '\'') {
                i++;
                while (i < n && conninfo.charAt(i) != '\'') {
                    char c = conninfo.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        c = conninfo.charAt(++i);
                    }
                    value.append(c);
                    i++;
                }
                if (i >= n) {
                    throw new IllegalArgumentException("unterminated quoted value of " + key);
                }
                i++;
            } else {
                while (i < n && !Character.isWhitespace(conninfo.charAt(i))) {
                    char c = conninfo.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        c = conninfo.charAt(++i);
                    }
                    value.append(c);
                    i++;
                }
            }
            out.put(key, value.toString());
        }
    }

    /** The password for the first matching line of a pgpass file ({@code *} matches anything), if any. */
    static Optional<String> password(Path pgpass, String host, String port, String database, String user) {
        List<String> lines;
        try {
            lines = Files.readAllLines(pgpass, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> f = fields(line);
            if (f.size() == 5 && matches(f.get(0), host) && matches(f.get(1), port) && matches(f.get(2), database)
                    && matches(f.get(3), user)) {
                return Optional.of(f.get(4));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value);
    }

    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
