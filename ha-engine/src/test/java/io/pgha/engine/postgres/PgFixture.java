package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapResult;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Real PostgreSQL servers for the integration tests, each in its own directory under one temporary root, on a free
 * port, stopped (by pid, through the instance) when the fixture closes. initdb and pg_basebackup are driven by small
 * test methods here, not by the plugins, so the engine's tests stay plugin-free.
 */
final class PgFixture implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final String SU_PASSWORD = "su secret";
    static final String REPL_PASSWORD = "repl:secret";
    static final String REWIND_PASSWORD = "rewind secret";

    final Path root;
    final DatabaseUser user;
    final DatabaseCommandRunner runner;
    final PostgresBinaries binaries;
    private final List<PostgresInstance> instances = new ArrayList<>();

    PgFixture() {
        try {
            binaries = PostgresBinaries.locate(Optional.empty(), Map.of());
        } catch (PostgresException e) {
            throw new AssertionError("these tests need PostgreSQL (apt-get install postgresql-15): " + e.getMessage(), e);
        }
        user = DatabaseUser.resolve(DatabaseUser.DEFAULT_NAME);
        runner = new DatabaseCommandRunner(user);
        try {
            root = Files.createTempDirectory("pgha-pg-it");
            // the database user must be able to reach the directories below
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(root.resolve("sockets"));
            user.own(root.resolve("sockets"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        return LoopbackPorts.next();
    }

    /** A new instance (nothing on disk yet) for member {@code name}. */
    PostgresInstance instance(String name) {
        Path home = root.resolve(name);
        try {
            Files.createDirectories(home);
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PostgresSettings settings = PostgresSettings.builder(home.resolve("data"), binaries)
                .listen("127.0.0.1", freePort())
                .names("it", name)
                .superuser(Credentials.of("su", SU_PASSWORD))
                .replication(Credentials.of("replicator", REPL_PASSWORD))
                .rewind(Credentials.of("rewinder", REWIND_PASSWORD))
                .pgpassFile(home.resolve("pgpass"))
                .postmasterLog(home.resolve("postmaster.log"))
                .timeouts(Duration.ofSeconds(3), Duration.ofSeconds(10))
                .build();
        PostgresInstance pg = new PostgresInstance(settings, runner);
        instances.add(pg);
        return pg;
    }

    /** Parameters for a small, fast, rewindable server. */
    ServerConfig config() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("unix_socket_directories", root.resolve("sockets").toString());
        p.put("wal_level", "replica");
        p.put("hot_standby", "on");
        p.put("wal_log_hints", "on");
        p.put("max_wal_senders", "10");
        p.put("max_replication_slots", "10");
        p.put("wal_keep_size", "64MB");
        p.put("shared_buffers", "16MB");
        p.put("max_connections", "30");
        p.put("fsync", "off");
        p.put("full_page_writes", "on");
        p.put("logging_collector", "off");
        return new ServerConfig(p, List.of(
                "local all all trust",
                "host all all 127.0.0.1/32 scram-sha-256",
                "host replication all 127.0.0.1/32 scram-sha-256"), List.of());
    }

    /** initdb into the instance's empty directory through {@link ClusterBootstrap} with {@link #initdb}. */
    void bootstrap(PostgresInstance pg) {
        BootstrapResult r = new ClusterBootstrap(pg).bootstrap(initdb(), List.of(), Duration.ofSeconds(120));
        assertTrue(r.succeeded(), () -> "initdb failed: " + r);
    }

    /** A plain initdb, run as the database user, with the superuser's password file. */
    BootstrapMethod initdb() {
        return request -> {
            List<String> argv = new ArrayList<>(List.of(request.binDirectory().resolve("initdb").toString(),
                    "--pgdata=" + request.dataDirectory(), "--username=" + request.superuser(), "--encoding=UTF8",
                    "--no-sync"));
            request.superuserPasswordFile().ifPresent(f -> argv.add("--pwfile=" + f));
            CommandResult r = runner.run(new Command(argv, request.environment(), Optional.empty(), request.timeout(),
                    true));
            return r.succeeded() ? new BootstrapResult.Created(Map.of(), false)
                    : new BootstrapResult.Failed("initdb: " + r.output());
        };
    }

    /** A pg_basebackup replica method, run as the database user. */
    ReplicaMethod basebackup() {
        return new ReplicaMethod() {
            @Override
            public boolean runsWithoutLeader() {
                return false;
            }

            @Override
            public boolean keepsExistingData() {
                return false;
            }

            @Override
            public ReplicaResult createReplica(io.pgha.spi.replica.ReplicaRequest request) {
                CommandResult r = runner.run(new Command(List.of(
                        request.binDirectory().resolve("pg_basebackup").toString(),
                        "--pgdata=" + request.dataDirectory(), "-X", "stream", "--checkpoint=fast", "--no-sync",
                        "--dbname=" + request.sourceConnectionString().orElseThrow()),
                        request.environment(), Optional.empty(), request.timeout(), true));
                return r.succeeded() ? ReplicaResult.created() : ReplicaResult.failed(r.output(), true);
            }
        };
    }

    /** Bootstraps, starts as primary, waits until running and runs post-bootstrap (roles). */
    PostgresInstance runningPrimary(String name) {
        return runningPrimary(name, Optional.empty());
    }

    /** As {@link #runningPrimary(String)}, with a post_bootstrap command. */
    PostgresInstance runningPrimary(String name, Optional<String> postBootstrap) {
        PostgresInstance pg = instance(name);
        bootstrap(pg);
        assertRunning(pg, pg.startAndWait(ServerRole.primary(), config(), START_TIMEOUT));
        new ClusterBootstrap(pg).postBootstrap(postBootstrap, Duration.ofSeconds(30));
        return pg;
    }

    /** A replica of {@code primary} made with pg_basebackup, streaming through slot {@code slot}, running. */
    PostgresInstance runningReplica(String name, PostgresInstance primary, String slot) {
        primary.sql().createPhysicalSlot(slot);
        PostgresInstance pg = instance(name);
        ReplicationSource source = new ReplicationSource("127.0.0.1", primary.settings().port(), Optional.of(slot));
        ReplicaCreation.Outcome o = new ReplicaCreation(pg, root.resolve(name + "-replica-unfinished")).create(
                List.of(new ReplicaCreation.Usable("basebackup", basebackup())), Optional.of(source), "replica",
                Duration.ofSeconds(120));
        assertTrue(o.succeeded(), o::describeFailures);
        assertRunning(pg, pg.startAndWait(new ServerRole.Standby(Optional.of(source), Map.of()), config(),
                START_TIMEOUT));
        return pg;
    }

    void assertRunning(PostgresInstance pg, ProcessState state) {
        if (state != ProcessState.RUNNING) {
            fail("PostgreSQL of " + pg.settings().memberName() + " is " + state + "; log:\n"
                    + pg.logTail().orElse("(none)"));
        }
    }

    /** Runs psql as the database user over the socket directory, as the superuser; returns its trimmed output. */
    String psql(PostgresInstance pg, String sql) {
        CommandResult r = runner.run(new Command(List.of(binaries.directory().resolve("psql").toString(),
                "-h", root.resolve("sockets").toString(), "-p", Integer.toString(pg.settings().port()), "-U", "su",
                "-d", "postgres", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql), Map.of(), Optional.empty(),
                Duration.ofSeconds(30), true));
        if (!r.succeeded()) {
            fail("psql " + sql + " failed: " + r.output());
        }
        return r.output().trim();
    }

    /** Waits until {@code condition} holds, at most {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting until " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting until " + what);
            }
        }
    }

    static boolean quietly(BooleanSupplier s) {
        try {
            return s.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        for (PostgresInstance pg : instances) {
            try {
                pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                System.err.println("could not stop " + pg.settings().memberName() + ": " + e);
            }
            pg.close();
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("could not remove " + root + ": " + e);
        }
    }
}
