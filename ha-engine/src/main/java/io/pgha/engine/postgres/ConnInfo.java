package io.pgha.engine.postgres;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * libpq {@code key=value} connection strings, as used in {@code primary_conninfo}, pg_basebackup's {@code --dbname}
 * and pg_rewind's {@code --source-server}. Values that are empty or hold spaces, quotes or backslashes are quoted
 * the way libpq reads them back.
 */
public final class ConnInfo {
    private ConnInfo() {
    }

    /** The connection string for {@code options}, in their order. */
    public static String format(Map<String, String> options) {
        return options.entrySet().stream()
                .map(e -> e.getKey() + "=" + quote(e.getValue()))
                .collect(Collectors.joining(" "));
    }

    /** One value, quoted when libpq needs it to be. */
    public static String quote(String value) {
        boolean plain = !value.isEmpty() && value.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '\\');
        if (plain) {
            return value;
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /**
     * The options for connecting to {@code host:port} as {@code credentials}, without the password (it goes into a
     * pgpass file): {@code user}, {@code host}, {@code port}, then {@code dbname} when given, then the credentials'
     * TLS/GSS options.
     */
    public static Map<String, String> options(String host, int port, Credentials credentials, String dbname) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("user", credentials.username());
        out.put("host", host);
        out.put("port", Integer.toString(port));
        if (dbname != null && !dbname.isEmpty()) {
            out.put("dbname", dbname);
        }
        out.putAll(credentials.connectionOptions());
        return out;
    }
}
