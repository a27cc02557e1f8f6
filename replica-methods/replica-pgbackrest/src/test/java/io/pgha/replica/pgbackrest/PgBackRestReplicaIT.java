package io.pgha.replica.pgbackrest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.DatabaseUserCommandRunner;
import io.pgha.testkit.FakePluginContext;
import io.pgha.testkit.TempDirectories;
import io.pgha.testkit.server.PostgresProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The method against real pgBackRest (Debian {@code pgbackrest}) and PostgreSQL 15: a primary archives into a
 * repository on local disk, a full backup is taken, rows are written after it, the primary is stopped — and a
 * replica is restored from the repository alone, then replays the archived WAL through the restore_command that
 * pgBackRest configured.
 */
class PgBackRestReplicaIT {
    private static final String STANZA = "it";
    private static Path root;
    private static Path config;
    private static PostgresProcess primary;
    private static PostgresProcess replica;

    @BeforeAll
    static void archivingPrimaryWithBackup() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/pgbackrest")), "this test needs pgBackRest: apt-get install"
                + " pgbackrest");
        root = Files.createTempDirectory("pgha-pgbackrest-it");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path repo = PostgresProcess.databaseUserDirectory(root.resolve("repo"));
        Path logs = PostgresProcess.databaseUserDirectory(root.resolve("log"));
        Path locks = PostgresProcess.databaseUserDirectory(root.resolve("lock"));
        config = root.resolve("pgbackrest.conf");
        Path primaryData = root.resolve("primary");
        primary = PostgresProcess.on(primaryData, root, Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", "pgbackrest --config=" + config + " --stanza=" + STANZA + " archive-push %p"));
        Files.writeString(config, String.join("\n", "[global]", "repo1-path=" + repo, "log-path=" + logs,
                "lock-path=" + locks, "log-level-console=warn", "log-level-file=info", "start-fast=y",
                "compress-type=none", "", "[" + STANZA + "]", "pg1-path=" + primaryData, "pg1-port=" + primary.port(),
                "pg1-socket-path=" + primary.socketDirectory(), ""));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        primary.initdb().start(Duration.ofSeconds(60));
        pgbackrest("stanza-create");
        pgbackrest("--type=full", "backup");
        primary.sql("CREATE TABLE written_after_backup(v text); INSERT INTO written_after_backup VALUES ('replayed')");
        // check switches to a new WAL segment and waits until the one holding the rows is in the repository
        pgbackrest("check");
        primary.stop();
    }

    private static void pgbackrest(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("pgbackrest", "--config=" + config, "--stanza=" + STANZA));
        argv.addAll(List.of(args));
        PostgresProcess.run(argv, Duration.ofMinutes(3), "pgbackrest " + String.join(" ", args));
    }

    @AfterAll
    static void cleanUp() {
        if (replica != null) {
            replica.stop();
        }
        if (primary != null) {
            primary.stop();
        }
        if (root != null) {
            TempDirectories.deleteTree(root);
        }
    }

    @Test
    @DisplayName("with no leader running, the replica is restored from the repository and replays the archived WAL")
    void restoresWithoutLeader() throws Exception {
        Path target = PostgresProcess.databaseUserDirectory(root.resolve("replica"));
        ReplicaMethod method = new PgBackRestReplicaProvider().create(new ConfigSection("postgresql.pgbackrest",
                Map.of("stanza", STANZA, "config", config.toString(), "process-max", 2)),
                FakePluginContext.builder().commands(new DatabaseUserCommandRunner()).build());
        assertTrue(method.runsWithoutLeader());
        ReplicaResult r = method.createReplica(new ReplicaRequest(target, PostgresProcess.DEFAULT_BIN, Optional.empty(),
                "it", "replica1", "replica", Map.of(), Duration.ofMinutes(5)));
        assertTrue(r.succeeded(), r.toString());
        assertTrue(Files.exists(target.resolve("standby.signal")), "restored as a standby");
        String auto = Files.readString(target.resolve("postgresql.auto.conf"));
        assertTrue(auto.contains("restore_command") && auto.contains("archive-get"), auto);

        replica = PostgresProcess.on(target, root, Map.of("archive_mode", "off"));
        replica.start(Duration.ofSeconds(60));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!replayed()) {
            if (System.nanoTime() > deadline) {
                fail("the rows written after the backup never appeared on the restored replica; its log:\n"
                        + replica.logTail());
            }
            Thread.sleep(200); // polling a condition with a bounded deadline, not synchronising on time
        }
        assertEquals("t", replica.sql("SELECT pg_is_in_recovery()"));
    }

    private static boolean replayed() {
        try {
            return replica.sql("SELECT v FROM written_after_backup").equals("replayed");
        } catch (AssertionError e) {
            return false;
        }
    }
}
