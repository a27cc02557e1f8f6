package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ShellWords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallPartsTest {
    private static final DatabaseUser SELF = new DatabaseUser("self", 0, 0, false);

    @Test
    @DisplayName("libpq values with spaces, quotes or backslashes are quoted; plain ones are not")
    void connInfo() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("user", "rep");
        o.put("host", "10.0.0.1");
        o.put("application_name", "my node");
        o.put("sslkey", "C:\\k's");
        o.put("options", "");
        assertEquals("user=rep host=10.0.0.1 application_name='my node' sslkey='C:\\\\k\\'s' options=''",
                ConnInfo.format(o));
        assertEquals("user=rep host=h port=5 dbname=postgres sslmode=verify-full", ConnInfo.format(ConnInfo.options(
                "h", 5, new Credentials("rep", Optional.of("secret"), Map.of("sslmode", "verify-full")), "postgres")));
    }

    @Test
    @DisplayName("pgpass lines escape colons and backslashes, keep one line per user, and the file is 0600")
    void pgpass(@TempDir Path dir) throws IOException {
        List<PgPassFile.Entry> entries = PgPassFile.entriesFor(List.of(Credentials.of("rep", "a:b\\c"),
                Credentials.withoutPassword("nopass"), Credentials.of("rep", "other"), Credentials.of("su", "x")));
        assertEquals("*:*:*:rep:a\\:b\\\\c\n*:*:*:su:x\n", PgPassFile.render(entries));
        Path file = dir.resolve("sub/pgpass");
        PgPassFile.write(file, entries, SELF);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(entries.get(0).toString().contains("a:b"), "passwords are masked");
        assertFalse(Credentials.of("u", "hunter2").toString().contains("hunter2"));
    }

    @Test
    @DisplayName("shell words: quotes and escapes as a POSIX shell, no expansion")
    void shellWords() {
        assertEquals(List.of("sh", "-c", "echo \"$1\" it's", "x y"),
                ShellWords.split("sh -c 'echo \"$1\" it'\\''s'  \"x y\""));
        assertEquals(List.of("a\"b", "$HOME"), ShellWords.split("\"a\\\"b\" $HOME"));
        assertEquals(List.of(), ShellWords.split("   "));
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("'open"));
    }

    @Test
    @DisplayName("slot names are 1 to 63 of a-z, 0-9 and _")
    void slotNames() {
        assertTrue(ReplicationSlot.isValidName("a".repeat(63)));
        assertFalse(ReplicationSlot.isValidName("a".repeat(64)));
        assertTrue(ReplicationSlot.isValidName("node_1"));
        assertFalse(ReplicationSlot.isValidName("Node-1"));
        assertFalse(ReplicationSlot.isValidName(""));
    }

    @Test
    @DisplayName("the newest versioned installation is found; bin_name renames a program; missing ones are named")
    void binaries(@TempDir Path root) throws IOException {
        for (String v : List.of("9.6", "13", "15", "notaversion")) {
            Path bin = Files.createDirectories(root.resolve(v).resolve("bin"));
            Path pg = Files.createFile(bin.resolve("postgres"));
            pg.toFile().setExecutable(true);
        }
        PostgresBinaries b = PostgresBinaries.locate(Optional.empty(), Map.of("pg_ctl", "pg_ctl.custom", "x", "y"), root);
        assertEquals(root.resolve("15/bin"), b.directory());
        assertEquals(root.resolve("15/bin/pg_ctl.custom"), b.path(PostgresBinaries.Program.PG_CTL));
        PostgresException e = assertThrows(PostgresException.class, () -> b.require(PostgresBinaries.Program.PG_REWIND));
        assertEquals(PostgresException.BINARY_MISSING, e.code());
        assertTrue(e.getMessage().contains("pg_rewind"), e.getMessage());
        assertThrows(PostgresException.class,
                () -> PostgresBinaries.locate(Optional.empty(), Map.of(), root.resolve("none")));
        assertThrows(PostgresException.class,
                () -> PostgresBinaries.locate(Optional.of(root.resolve("13")), Map.of(), root));
    }

    @Test
    @DisplayName("a data directory is wiped keeping the directory, or moved aside to a free name")
    void dataDirectory(@TempDir Path root) throws IOException {
        DataDirectory dir = new DataDirectory(root.resolve("data"), SELF);
        assertTrue(dir.isEmpty());
        dir.prepare();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path())));
        Files.createDirectories(dir.path().resolve("global"));
        Files.writeString(dir.path().resolve("global/pg_control"), "x");
        Files.writeString(dir.path().resolve("PG_VERSION"), "15\n");
        Files.createSymbolicLink(dir.path().resolve("pg_wal"), Files.createDirectory(root.resolve("wal")));
        Files.writeString(root.resolve("wal/keep"), "x");
        assertTrue(dir.isInitialized());
        assertEquals(15, dir.majorVersion());
        dir.wipe();
        assertTrue(dir.isEmpty());
        assertTrue(Files.isDirectory(dir.path()));
        assertTrue(Files.exists(root.resolve("wal/keep")), "links are removed, not followed");

        Files.writeString(dir.path().resolve("PG_VERSION"), "15\n");
        assertEquals(root.resolve("data.failed"), dir.moveAside(".failed"));
        assertFalse(Files.exists(dir.path()));
        dir.prepare();
        Path second = dir.moveAside(".failed");
        assertTrue(second.getFileName().toString().startsWith("data.failed_"), second.toString());
    }

    @Test
    @DisplayName("the local connection address follows the listen addresses")
    void localHost() {
        assertEquals("127.0.0.1", PostgresSettings.localHostFor("*"));
        assertEquals("127.0.0.1", PostgresSettings.localHostFor("10.0.0.1,localhost"));
        assertEquals("10.0.0.1", PostgresSettings.localHostFor("10.0.0.1"));
        assertEquals("::1", PostgresSettings.localHostFor("::"));
    }

    @Test
    @DisplayName("an unknown OS user is a clear error when running as root")
    void missingUser() {
        if (DatabaseUser.effectiveUid() != 0) {
            assertFalse(DatabaseUser.resolve("no_such_user_pgha").switchUser(), "non-root runs programs directly");
            return;
        }
        PostgresException e = assertThrows(PostgresException.class, () -> DatabaseUser.resolve("no_such_user_pgha"));
        assertEquals(PostgresException.DATABASE_USER_MISSING, e.code());
        assertTrue(e.getMessage().contains("'no_such_user_pgha'"), e.getMessage());
        DatabaseUser pg = DatabaseUser.resolve("postgres");
        assertTrue(pg.switchUser());
        assertEquals(List.of("setpriv", "--reuid=" + pg.uid(), "--regid=" + pg.gid(), "--init-groups", "--", "id"),
                pg.commandLine(List.of("id")));
    }
}
