package io.pgha.engine.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The pgpass file ({@code postgresql.pgpass}) through which libpq programs pgha runs (pg_basebackup, pg_rewind,
 * post_bootstrap scripts) and the standby's WAL receiver ({@code passfile} in {@code primary_conninfo}) get
 * passwords, so that no password appears on a command line or in postgresql.conf. Mode 0600, owned by the database
 * user (libpq ignores a pgpass file others can read).
 */
public final class PgPassFile {
    private PgPassFile() {
    }

    /** One line: {@code *} matches anything. */
    public record Entry(String host, String port, String database, String username, String password) {
        public Entry {
            Objects.requireNonNull(host, "host is null");
            Objects.requireNonNull(port, "port is null");
            Objects.requireNonNull(database, "database is null");
            Objects.requireNonNull(username, "username is null");
            Objects.requireNonNull(password, "password is null");
        }

        /** Matches {@code username} on any host, port and database. */
        public static Entry anyHost(String username, String password) {
            return new Entry("*", "*", "*", username, password);
        }

        @Override
        public String toString() {
            return "Entry[" + host + ":" + port + ":" + database + ":" + username + ":******]";
        }
    }

    /** Entries for every credential that has a password, first match wins (so duplicates are dropped). */
    public static List<Entry> entriesFor(List<Credentials> credentials) {
        Set<String> seen = new LinkedHashSet<>();
        List<Entry> out = new ArrayList<>();
        for (Credentials c : credentials) {
            if (c.password().isPresent() && seen.add(c.username())) {
                out.add(Entry.anyHost(c.username(), c.password().get()));
            }
        }
        return out;
    }

    /** The file's text. Colons and backslashes in fields are escaped with a backslash, as libpq expects. */
    public static String render(List<Entry> entries) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            sb.append(escape(e.host())).append(':').append(escape(e.port())).append(':').append(escape(e.database()))
                    .append(':').append(escape(e.username())).append(':').append(escape(e.password())).append('\n');
        }
        return sb.toString();
    }

    static String escape(String field) {
        if (field.equals("*")) {
            return field;
        }
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }

    /** Writes the file atomically with mode 0600 and gives it to {@code owner}. */
    public static void write(Path file, List<Entry> entries, DatabaseUser owner) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".pgpass", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(tmp, render(entries), StandardCharsets.UTF_8);
                owner.own(tmp);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException e) {
            throw new PostgresException(PostgresException.FILE_ERROR, "cannot write the pgpass file " + file + ": " + e, e);
        }
    }
}
