package io.pgha.replica.rsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.io.File;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The method against a real PostgreSQL 15 primary under write load and real rsync: over loopback TCP from an rsync
 * daemon that exports the primary's data directory (as an rsync daemon on the leader's host would), and by a local
 * rsync between directories. Each copy must start as a standby, stream from the primary and see rows written after
 * the copy.
 */
class RsyncReplicaIT {
    private static Path root;
    private static PostgresProcess primary;
    private static Process daemon;
    private static int daemonPort;
    private static final List<PostgresProcess> replicas = new ArrayList<>();

    @BeforeAll
    static void primaryAndDaemon() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/rsync")), "this test needs rsync: apt-get install rsync");
        root = Files.createTempDirectory("pgha-rsync-it");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        primary = PostgresProcess.on(root.resolve("primary"), root, Map.of("wal_level", "replica",
                "max_wal_senders", "5", "wal_keep_size", "64MB"));
        primary.initdb().start(Duration.ofSeconds(60));
        primary.sql("CREATE TABLE t(i int); INSERT INTO t SELECT generate_series(1, 10000)");

        Path daemonDir = PostgresProcess.databaseUserDirectory(root.resolve("rsyncd"));
        daemonPort = PostgresProcess.freePort();
        Path conf = root.resolve("rsyncd.conf");
        Files.writeString(conf, String.join("\n", "pid file = " + daemonDir.resolve("rsyncd.pid"), "use chroot = no",
                "address = 127.0.0.1", "port = " + daemonPort, "[pgdata]", "path = " + primary.dataDirectory(),
                "read only = yes", "hosts allow = 127.0.0.1", ""));
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r--r--"));
        daemon = new ProcessBuilder(DatabaseUserCommandRunner.asDatabaseUser(List.of("rsync", "--daemon",
                "--no-detach", "--config=" + conf, "--log-file=" + daemonDir.resolve("rsyncd.log"))))
                .directory(new File("/")).redirectErrorStream(true)
                .redirectOutput(root.resolve("rsyncd.out").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!listening(daemonPort)) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                fail("the rsync daemon did not start: " + Files.readString(root.resolve("rsyncd.out")));
            }
            daemon.onExit().completeOnTimeout(daemon, 100, TimeUnit.MILLISECONDS).join();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return s.isConnected();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @AfterAll
    static void stopAll() throws Exception {
        replicas.forEach(PostgresProcess::stop);
        if (daemon != null) {
            daemon.destroy();
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
        if (primary != null) {
            primary.stop();
        }
        if (root != null) {
            TempDirectories.deleteTree(root);
        }
    }

    private ReplicaMethod method(Map<String, Object> options) {
        return new RsyncReplicaProvider().create(new ConfigSection("postgresql.rsync", options),
                FakePluginContext.builder().commands(new DatabaseUserCommandRunner()).build());
    }

    /** Copies while the primary is written to, then checks the copy streams and sees later rows. */
    private void copyAndStream(String name, ReplicaMethod method) throws Exception {
        Path target = PostgresProcess.databaseUserDirectory(root.resolve(name));
        Files.writeString(target.resolve("stale_file"), "left from an earlier copy");
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 50; i++) {
                primary.sql("INSERT INTO t SELECT generate_series(1, 1000)");
            }
        }, "primary-writer");
        writer.start();
        ReplicaResult r = method.createReplica(new ReplicaRequest(target, PostgresProcess.DEFAULT_BIN,
                Optional.of(primary.connectionString("postgres")), "it", name, "replica", Map.of(),
                Duration.ofMinutes(5)));
        writer.join();
        assertTrue(r.succeeded(), r.toString());
        assertTrue(Files.readString(target.resolve("backup_label")).contains("LABEL: pgha rsync for " + name));
        assertFalse(Files.exists(target.resolve("postmaster.pid")), "no postmaster.pid copied");
        assertFalse(Files.exists(target.resolve("stale_file")), "rsync --delete removed what the leader does not have");
        if (DatabaseUserCommandRunner.ROOT) {
            PostgresProcess.databaseUserDirectory(target); // the label was written by this JVM
        }
        Files.writeString(target.resolve("standby.signal"), "");
        PostgresProcess replica = PostgresProcess.on(target, root, Map.of("primary_conninfo",
                primary.connectionString("postgres") + " application_name=" + name, "hot_standby", "on"));
        replicas.add(replica);
        replica.start(Duration.ofSeconds(60));
        primary.sql("INSERT INTO t VALUES (-1)");
        String expected = primary.sql("SELECT count(*) FROM t");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!expected.equals(count(replica))) {
            if (System.nanoTime() > deadline) {
                fail(name + " never caught up (" + count(replica) + " rows, primary has " + expected + "); its log:\n"
                        + replica.logTail());
            }
            Thread.sleep(100); // polling a condition with a bounded deadline
        }
        assertEquals("t", replica.sql("SELECT pg_is_in_recovery()"));
        assertEquals("streaming", primary.sql("SELECT state FROM pg_stat_replication WHERE application_name = '"
                + name + "'"));
    }

    private static String count(PostgresProcess p) {
        try {
            return p.sql("SELECT count(*) FROM t");
        } catch (AssertionError e) {
            return "(not answering)";
        }
    }

    @Test
    @DisplayName("rsync over loopback from an rsync daemon between pg_backup_start and pg_backup_stop, then streams")
    void overLoopbackDaemon() throws Exception {
        copyAndStream("daemon_copy", method(Map.of("module", "pgdata", "port", daemonPort, "user", "postgres")));
    }

    @Test
    @DisplayName("local rsync between directories for a leader on the same host, then streams")
    void localDirectory() throws Exception {
        copyAndStream("local_copy", method(Map.of("source_directory", primary.dataDirectory().toString())));
    }
}
