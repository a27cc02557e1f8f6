package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class ConfigFilesTest {
    /** Files stay the test's own: no ownership change. */
    private static final DatabaseUser SELF = new DatabaseUser("self", 0, 0, false);

    @TempDir
    Path dir;

    private PostgresSettings settings() {
        return PostgresSettings.builder(dir, new PostgresBinaries(Path.of("/nonexistent"), Map.of()))
                .listen("127.0.0.1,10.0.0.5", 5433)
                .names("batman", "node-1")
                .replication(new Credentials("replicator", Optional.of("rep pass"), Map.of("sslmode", "require")))
                .pgpassFile(Path.of("/var/lib/pgha/pgpass"))
                .build();
    }

    private static ServerConfig config() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("shared_buffers", "128MB");
        p.put("port", "9999");
        p.put("archive_command", "cp '%p' /archive/%f");
        p.put("primary_conninfo", "host=elsewhere");
        return new ServerConfig(p, List.of("local all all trust", "host replication all 0.0.0.0/0 md5"),
                List.of());
    }

    @Test
    @DisplayName("the user's postgresql.conf becomes postgresql.base.conf once, and the generated file includes it")
    void baseConf() throws IOException {
        Files.writeString(dir.resolve("postgresql.conf"), "shared_buffers = 64MB\n");
        ConfigFiles files = new ConfigFiles(dir, SELF);
        files.write(settings(), config(), ServerRole.primary());
        assertEquals("shared_buffers = 64MB\n", Files.readString(dir.resolve("postgresql.base.conf")));
        String conf = Files.readString(dir.resolve("postgresql.conf"));
        assertTrue(conf.startsWith(ConfigFiles.HEADER), conf);
        assertTrue(conf.contains("include 'postgresql.base.conf'\n"), conf);
        assertTrue(conf.indexOf("include") < conf.indexOf("shared_buffers"), "include comes first so ours win");
        assertTrue(conf.contains("shared_buffers = '128MB'\n"), conf);
        assertTrue(conf.contains("port = '5433'\n"), "pgha's port wins over the parameters': " + conf);
        assertTrue(conf.contains("listen_addresses = '127.0.0.1,10.0.0.5'\n"), conf);
        assertTrue(conf.contains("cluster_name = 'batman'\n"), conf);
        assertTrue(conf.contains("archive_command = 'cp ''%p'' /archive/%f'\n"), conf);
        assertTrue(conf.contains("hba_file = '" + dir.resolve("pg_hba.conf") + "'\n"), conf);
        assertFalse(conf.contains("primary_conninfo"), "a primary has no primary_conninfo: " + conf);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("postgresql.conf"))));

        // a second write keeps the base file as it is
        files.write(settings(), config(), ServerRole.primary());
        assertEquals("shared_buffers = 64MB\n", Files.readString(dir.resolve("postgresql.base.conf")));
        assertFalse(files.keepUserConfigAsBase());
    }

    @Test
    @DisplayName("pg_hba.conf is written from the configured lines; without lines the existing file stays")
    void hba() throws IOException {
        ConfigFiles files = new ConfigFiles(dir, SELF);
        files.write(settings(), config(), ServerRole.primary());
        assertEquals(List.of("local all all trust", "host replication all 0.0.0.0/0 md5"),
                Files.readAllLines(dir.resolve("pg_hba.conf")).stream().filter(l -> !l.startsWith("#")).toList());
        Files.writeString(dir.resolve("pg_hba.conf"), "mine\n");
        files.write(settings(), ServerConfig.of(Map.of()), ServerRole.primary());
        assertEquals("mine\n", Files.readString(dir.resolve("pg_hba.conf")));
        files.appendHba(List.of("host all all 10.0.0.0/8 md5"));
        assertTrue(Files.readString(dir.resolve("pg_hba.conf")).endsWith("host all all 10.0.0.0/8 md5\n"));
    }

    @Test
    @DisplayName("a standby gets standby.signal, primary_conninfo with passfile and application_name, slot and latest timeline")
    void standby() throws IOException {
        ConfigFiles files = new ConfigFiles(dir, SELF);
        ServerRole role = new ServerRole.Standby(Optional.of(new ReplicationSource("10.0.0.7", 5432, Optional.of("node_1"))),
                Map.of("restore_command", "cp /archive/%f %p"));
        files.write(settings(), config(), role);
        assertTrue(Files.exists(dir.resolve("standby.signal")));
        assertFalse(Files.exists(dir.resolve("recovery.signal")));
        String conf = Files.readString(dir.resolve("postgresql.conf"));
        assertTrue(conf.contains("primary_conninfo = 'user=replicator passfile=/var/lib/pgha/pgpass host=10.0.0.7"
                + " port=5432 sslmode=require application_name=node-1'\n"), conf);
        assertTrue(conf.contains("primary_slot_name = 'node_1'\n"), conf);
        assertTrue(conf.contains("recovery_target_timeline = 'latest'\n"), conf);
        assertTrue(conf.contains("restore_command = 'cp /archive/%f %p'\n"), conf);

        // becoming primary removes the signal file and the recovery settings
        files.write(settings(), config(), ServerRole.primary());
        assertFalse(Files.exists(dir.resolve("standby.signal")));
        assertFalse(Files.readString(dir.resolve("postgresql.conf")).contains("primary_slot_name"));

        files.write(settings(), config(), new ServerRole.ArchiveRecovery(Map.of("recovery_target_time", "2026-01-01")));
        assertTrue(Files.exists(dir.resolve("recovery.signal")));
        assertFalse(Files.exists(dir.resolve("standby.signal")));
    }

    @Test
    @DisplayName("a standby without upstream has standby.signal but no primary_conninfo")
    void standbyWithoutSource() throws IOException {
        new ConfigFiles(dir, SELF).write(settings(), config(), ServerRole.standbyWithoutSource());
        assertTrue(Files.exists(dir.resolve("standby.signal")));
        assertFalse(Files.readString(dir.resolve("postgresql.conf")).contains("primary_conninfo"));
    }

    @Test
    @DisplayName("parameter names and values that would break postgresql.conf are refused")
    void invalid() {
        ConfigFiles files = new ConfigFiles(dir, SELF);
        PostgresException e = assertThrows(PostgresException.class, () -> files.write(settings(),
                ServerConfig.of(Map.of("bad name", "x")), ServerRole.primary()));
        assertEquals(PostgresException.INVALID_CONFIGURATION, e.code());
        assertThrows(PostgresException.class, () -> files.write(settings(),
                ServerConfig.of(Map.of("work_mem", "1MB\nfsync = off")), ServerRole.primary()));
        assertEquals("a\\\\b''c", ConfigFiles.escapeValue("a\\b'c"));
    }

    @Test
    @DisplayName("a snapshot puts back the configuration files pg_rewind copied over")
    void snapshot() throws IOException {
        ConfigFiles files = new ConfigFiles(dir, SELF);
        Files.writeString(dir.resolve("postgresql.conf"), "ours\n");
        Files.writeString(dir.resolve("pg_hba.conf"), "our hba\n");
        ConfigFiles.Snapshot saved = files.snapshot();
        Files.writeString(dir.resolve("postgresql.conf"), "theirs\n");
        Files.writeString(dir.resolve("pg_hba.conf"), "their hba\n");
        Files.writeString(dir.resolve("postgresql.base.conf"), "their base\n");
        files.restore(saved);
        assertArrayEquals("ours\n".getBytes(), Files.readAllBytes(dir.resolve("postgresql.conf")));
        assertEquals("our hba\n", Files.readString(dir.resolve("pg_hba.conf")));
        assertFalse(Files.exists(dir.resolve("postgresql.base.conf")));
    }

    @Test
    @DisplayName("recovery settings a restore tool wrote to postgresql.auto.conf are removed, other lines kept")
    void autoConfRecoverySettings() throws IOException {
        Files.writeString(dir.resolve("postgresql.auto.conf"), String.join("\n",
                "# Do not edit this file manually!", "work_mem = '8MB'",
                "# Recovery settings generated by pgBackRest restore", "restore_command = 'pgbackrest archive-get %f \"%p\"'",
                "Recovery_Target_Time='2026-01-01'", "") );
        ConfigFiles files = new ConfigFiles(dir, SELF);
        assertEquals(List.of("restore_command", "recovery_target_time"), files.removeRecoverySettingsFromAutoConf());
        assertEquals(List.of("# Do not edit this file manually!", "work_mem = '8MB'",
                "# Recovery settings generated by pgBackRest restore"),
                Files.readAllLines(dir.resolve("postgresql.auto.conf")));
        assertEquals(List.of(), files.removeRecoverySettingsFromAutoConf(), "nothing left to remove");
        Files.delete(dir.resolve("postgresql.auto.conf"));
        assertEquals(List.of(), files.removeRecoverySettingsFromAutoConf(), "no file, nothing to do");
    }
}
