package io.pgha.replica.basebackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.replica.basebackup.internal.Basebackup;
import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.DatabaseUserCommandRunner;
import io.pgha.testkit.FakePluginContext;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.File;
import java.io.IOException;
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

/** The plugin against a real PostgreSQL 15 primary started for this class. */
class BasebackupReplicaIT {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final CommandRunner RUNNER = new DatabaseUserCommandRunner();
    private static Path root;
    private static int port;
    private static Process primary;

    @BeforeAll
    static void startPrimary() throws Exception {
        assertTrue(Files.isExecutable(BIN.resolve("postgres")),
                "this test needs PostgreSQL 15 at " + BIN + ": apt-get install postgresql-15");
        root = Files.createTempDirectory("pgha-basebackup-it");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = databaseUserDirectory("primary");
        Path sockets = databaseUserDirectory("sockets");
        CommandRunner.CommandResult init = RUNNER.run(new CommandRunner.Command(List.of(
                BIN.resolve("initdb").toString(), "--pgdata=" + data, "--auth=trust", "--no-sync", "--username=postgres"),
                Map.of(), Optional.empty(), Duration.ofSeconds(120), true));
        assertTrue(init.succeeded(), init.output());
        port = LoopbackPorts.next();
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(DatabaseUserCommandRunner.asDatabaseUser(List.of(BIN.resolve("postgres").toString(), "-D", data.toString(),
                "-c", "port=" + port, "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + sockets,
                "-c", "fsync=off", "-c", "shared_buffers=16MB")));
        primary = new ProcessBuilder(argv).directory(new File("/")).redirectErrorStream(true)
                .redirectOutput(root.resolve("primary.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ready(data)) {
            if (!primary.isAlive() || System.nanoTime() > deadline) {
                fail("the primary did not start: " + Files.readString(root.resolve("primary.log")));
            }
            primary.onExit().completeOnTimeout(primary, 100, TimeUnit.MILLISECONDS).join();
        }
    }

    private static boolean ready(Path data) throws IOException {
        Path pid = data.resolve("postmaster.pid");
        if (!Files.exists(pid)) {
            return false;
        }
        List<String> lines = Files.readAllLines(pid);
        return lines.size() >= 8 && lines.get(7).trim().equals("ready");
    }

    private static Path databaseUserDirectory(String name) throws IOException {
        Path dir = Files.createDirectory(root.resolve(name),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (DatabaseUserCommandRunner.ROOT) {
            CommandRunner.CommandResult r = RUNNER.run(new CommandRunner.Command(List.of("chown", "postgres:postgres",
                    dir.toString()), Map.of(), Optional.empty(), Duration.ofSeconds(10), false));
            assertTrue(r.succeeded(), r.output());
        }
        return dir;
    }

    @AfterAll
    static void stopPrimary() throws Exception {
        if (primary != null) {
            new ProcessBuilder("kill", "-INT", Long.toString(primary.pid())).start().waitFor();
            if (!primary.waitFor(30, TimeUnit.SECONDS)) {
                primary.descendants().forEach(ProcessHandle::destroyForcibly);
                primary.destroyForcibly();
            }
        }
        if (root != null) {
            RUNNER.run(new CommandRunner.Command(List.of("rm", "-rf", root.toString()), Map.of(), Optional.empty(),
                    Duration.ofSeconds(30), false));
        }
    }

    private ReplicaRequest request(Path target, int sourcePort) {
        return new ReplicaRequest(target, BIN,
                Optional.of("user=postgres host=127.0.0.1 port=" + sourcePort + " dbname=postgres"), "it", "replica1",
                "replica", Map.of("LC_MESSAGES", "C"), Duration.ofSeconds(120));
    }

    @Test
    @DisplayName("pg_basebackup copies the running primary into the empty directory, with its WAL")
    void copies() throws Exception {
        Path target = databaseUserDirectory("replica");
        ReplicaResult r = new BasebackupReplicaProvider()
                .create(new ConfigSection("postgresql.basebackup", Map.of("checkpoint", "fast", "0", "no-sync")),
                        FakePluginContext.builder().commands(RUNNER).build())
                .createReplica(request(target, port));
        assertTrue(r.succeeded(), r.toString());
        assertEquals("15", Files.readString(target.resolve("PG_VERSION")).trim());
        assertTrue(Files.exists(target.resolve("backup_label")));
        assertTrue(Files.exists(target.resolve("global/pg_control")));
        try (var wal = Files.list(target.resolve("pg_wal"))) {
            assertTrue(wal.anyMatch(p -> p.getFileName().toString().matches("[0-9A-F]{24}")), "streamed WAL is there");
        }
    }

    @Test
    @DisplayName("an unreachable source fails every attempt and leaves a retryable failure with pg_basebackup's message")
    void unreachable() throws Exception {
        Path target = databaseUserDirectory("unreachable");
        int closed = LoopbackPorts.next(); // nothing else binds a port of this JVM's block
        ReplicaResult r = new Basebackup(List.of(), RUNNER, Duration.ofMillis(200)).createReplica(request(target, closed));
        ReplicaResult.Failed f = (ReplicaResult.Failed) r;
        assertTrue(f.retryable());
        assertTrue(f.reason().contains("pg_basebackup"), f.reason());
        try (var left = Files.list(target)) {
            assertEquals(0, left.count(), "nothing left behind");
        }
    }
}
