package io.pgha.testkit.server;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.testkit.DatabaseUserCommandRunner;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server (Debian {@code postgresql-15}) for plugin tests: a data directory made by initdb, or one a
 * plugin under test built, run as a child process on a free loopback port with its socket in a private directory.
 * Its programs run as the {@code postgres} OS user when the tests run as root ({@link DatabaseUserCommandRunner}).
 *
 * <p>SQL goes through {@code psql} over the Unix socket as superuser {@code postgres} with trust authentication, so
 * the kit needs no JDBC driver. {@link #stop()} signals only the postmaster this object started, by pid. A missing
 * installation is a test failure naming the package, never a skip. Not thread-safe.
 *
 * @since 1.0
 */
public final class PostgresProcess implements AutoCloseable {
    /** Where Debian installs PostgreSQL 15's programs; {@code -Dpgha.pg.bin=...} overrides it. */
    public static final Path DEFAULT_BIN = Path.of(System.getProperty("pgha.pg.bin", "/usr/lib/postgresql/15/bin"));
    private static final CommandRunner RUNNER = new DatabaseUserCommandRunner();

    private final Path bin;
    private final Path dataDirectory;
    private final Path socketDirectory;
    private final Path logFile;
    private final int port;
    private final Map<String, String> parameters;
    private Process process;

    private PostgresProcess(Path bin, Path dataDirectory, Path socketDirectory, Path logFile, int port,
            Map<String, String> parameters) {
        this.bin = bin;
        this.dataDirectory = dataDirectory;
        this.socketDirectory = socketDirectory;
        this.logFile = logFile;
        this.port = port;
        this.parameters = Map.copyOf(parameters);
    }

    /**
     * A server on {@code dataDirectory} (which may not exist yet), with its socket and log in {@code workDirectory}.
     *
     * @param parameters server parameters passed as {@code -c name=value} (they win over postgresql.conf)
     */
    public static PostgresProcess on(Path dataDirectory, Path workDirectory, Map<String, String> parameters) {
        requireInstalled();
        Path sockets = workDirectory.resolve(dataDirectory.getFileName() + "-socket");
        try {
            Files.createDirectories(workDirectory);
            databaseUserDirectory(sockets);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PostgresProcess(DEFAULT_BIN, dataDirectory, sockets,
                workDirectory.resolve(dataDirectory.getFileName() + ".log"), freePort(), parameters);
    }

    /** Fails the test (never skips it) when PostgreSQL 15 is not installed. */
    public static void requireInstalled() {
        if (!Files.isExecutable(DEFAULT_BIN.resolve("postgres"))) {
            throw new AssertionError("these tests need PostgreSQL 15 at " + DEFAULT_BIN
                    + ": apt-get install postgresql-15");
        }
    }

    /**
     * Creates {@code dir} (mode 0700) and gives it to the database user; its parent must exist and be traversable by
     * that user.
     */
    public static Path databaseUserDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (DatabaseUserCommandRunner.ROOT) {
            CommandResult r = RUNNER.run(new Command(List.of("chown", "-R", "postgres:postgres", dir.toString()),
                    Map.of(), Optional.empty(), Duration.ofSeconds(30), false));
            if (!r.succeeded()) {
                throw new IOException("cannot give " + dir + " to postgres: " + r.output());
            }
        }
        return dir;
    }

    /** initdb into the data directory (trust authentication, superuser {@code postgres}, no fsync). */
    public PostgresProcess initdb(String... extraArguments) {
        try {
            databaseUserDirectory(dataDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> argv = new ArrayList<>(List.of(bin.resolve("initdb").toString(), "--pgdata=" + dataDirectory,
                "--auth=trust", "--no-sync", "--username=postgres", "--encoding=UTF8"));
        argv.addAll(List.of(extraArguments));
        run(argv, Duration.ofSeconds(120), "initdb");
        return this;
    }

    /** Starts the postmaster and waits until it accepts connections. */
    public PostgresProcess start(Duration timeout) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        List<String> server = new ArrayList<>(List.of(bin.resolve("postgres").toString(), "-D", dataDirectory.toString()));
        Map<String, String> all = new LinkedHashMap<>();
        all.put("listen_addresses", "127.0.0.1");
        all.put("unix_socket_directories", socketDirectory.toString());
        all.put("fsync", "off");
        all.put("shared_buffers", "16MB");
        all.put("max_connections", "20");
        all.putAll(parameters);
        all.put("port", Integer.toString(port));
        all.forEach((k, v) -> {
            server.add("-c");
            server.add(k + "=" + v);
        });
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(DatabaseUserCommandRunner.asDatabaseUser(server));
        try {
            process = new ProcessBuilder(argv).directory(new File("/")).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start postgres on " + dataDirectory, e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!acceptsConnections()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("PostgreSQL on " + dataDirectory + " did not start within " + timeout
                        + (process.isAlive() ? "" : " (it exited)") + "; its log:\n" + logTail());
            }
            process.onExit().completeOnTimeout(process, 100, TimeUnit.MILLISECONDS).join();
        }
        return this;
    }

    private boolean acceptsConnections() {
        CommandResult r = RUNNER.run(new Command(List.of(bin.resolve("pg_isready").toString(), "-q", "-h",
                socketDirectory.toString(), "-p", Integer.toString(port)), Map.of(), Optional.empty(),
                Duration.ofSeconds(5), true));
        return r.succeeded();
    }

    /** Runs {@code sql} with psql as superuser {@code postgres} and returns its unaligned, tuples-only output. */
    public String sql(String sql) {
        return run(List.of(bin.resolve("psql").toString(), "-X", "-v", "ON_ERROR_STOP=1", "-At", "-h",
                socketDirectory.toString(), "-p", Integer.toString(port), "-U", "postgres", "-d", "postgres", "-c", sql),
                Duration.ofSeconds(60), "psql").strip();
    }

    /** Runs one of PostgreSQL's or any other program as the database user; fails the test if it fails. */
    public static String run(List<String> argv, Duration timeout, String what) {
        CommandResult r = RUNNER.run(new Command(argv, Map.of("LC_MESSAGES", "C"), Optional.empty(), timeout, true));
        if (!r.succeeded()) {
            throw new AssertionError(what + (r.timedOut() ? " timed out" : " exited with " + r.exitCode()) + ": "
                    + r.output());
        }
        return r.output();
    }

    /** Fast shutdown (SIGINT to the postmaster this object started), waiting for it to exit; SIGKILL after 30 s. */
    public void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start();
            kill.waitFor(10, TimeUnit.SECONDS);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The directory of the Unix socket ({@code host} for libpq). */
    public Path socketDirectory() {
        return socketDirectory;
    }

    public Path binDirectory() {
        return bin;
    }

    /** A libpq connection string to this server over TCP as {@code user}. */
    public String connectionString(String user) {
        return "user=" + user + " host=127.0.0.1 port=" + port + " dbname=postgres";
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.exists(logFile) ? Files.readAllLines(logFile) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    /**
     * What {@code pg_controldata} says about the cluster in {@code dataDirectory}, by label ("Database system
     * identifier", "Database cluster state", ...); fails the test when it cannot be read.
     */
    public static Map<String, String> controlData(Path dataDirectory) {
        String out = run(List.of(DEFAULT_BIN.resolve("pg_controldata").toString(), "-D", dataDirectory.toString()),
                Duration.ofSeconds(30), "pg_controldata");
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    /** The system identifier in {@code dataDirectory}'s pg_control. */
    public static String systemIdentifier(Path dataDirectory) {
        String id = controlData(dataDirectory).get("Database system identifier");
        if (id == null || id.isEmpty()) {
            throw new AssertionError("pg_controldata shows no system identifier for " + dataDirectory);
        }
        return id;
    }

    /** A free TCP port on the loopback interface ({@link LoopbackPorts#next()}). */
    public static int freePort() {
        return LoopbackPorts.next();
    }

    @Override
    public void close() {
        stop();
    }
}
