package io.pgha.engine.postgres;

import io.pgha.engine.postgres.PostgresBinaries.Program;
import io.pgha.engine.postgres.Postmaster.PostmasterExit;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local PostgreSQL server: its process, its configuration files and its data directory, driven the way the HA
 * loop needs. The postmaster is started as this agent's own child ({@code postgres -D}, not {@code pg_ctl start},
 * which daemonizes), so that its death is noticed at once; a postmaster left running by an earlier agent process is
 * {@linkplain #adoptRunning() adopted} from {@code postmaster.pid}. Every operation is bounded by the timeout it is
 * given (or the settings' query timeout) and reports failure with a {@link PostgresException}.
 *
 * <p>Threading: lifecycle operations ({@code start}, {@code stop}, {@code restart}, {@code reload}, {@code follow},
 * {@code promote}, {@code crashRecovery}) are meant for one thread, the HA loop's. {@link #state()},
 * {@link #isRunning()}, {@link #sql()} and {@link #fence()} may be called from any thread at any time; fence does not
 * wait for a lifecycle operation in progress.
 */
public final class PostgresInstance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresInstance.class);

    /** How long each escalation step after the first may take before the next, harder one. */
    static final Duration ESCALATION_STEP = Duration.ofSeconds(10);
    /** How long leftover backends of a dead postmaster get to exit by themselves before they are killed. */
    static final Duration LEFTOVER_GRACE = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int LOG_TAIL_CHARS = 2000;

    private final PostgresSettings settings;
    private final DatabaseCommandRunner runner;
    private final DatabaseUser user;
    private final DataDirectory dataDirectory;
    private final ConfigFiles configFiles;
    private final PostgresSql sql;
    private final ReplayTimeline replayTimeline;
    private final AtomicReference<Postmaster> postmaster = new AtomicReference<>();
    private final List<Consumer<PostmasterExit>> exitListeners = new CopyOnWriteArrayList<>();
    private volatile ProcessState state = ProcessState.STOPPED;
    /** pending_restart as last read, and the configuration load it belongs to. */
    private volatile PendingAsOf pending = PendingAsOf.NONE;

    /**
     * What pg_settings said needs a restart, after the configuration load of {@code loadedAt}. The flags change only
     * when the server reads its files again (a reload, by anyone, or a restart), which moves {@code
     * pg_conf_load_time()}: until then there is nothing new to read, and an idle cycle skips the query.
     */
    private record PendingAsOf(Instant loadedAt, Map<String, PendingChange> changes) {
        static final PendingAsOf NONE = new PendingAsOf(Instant.EPOCH, Map.of());
    }

    public PostgresInstance(PostgresSettings settings, DatabaseCommandRunner runner) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.runner = Objects.requireNonNull(runner, "runner is null");
        this.user = runner.user();
        this.dataDirectory = new DataDirectory(settings.dataDirectory(), user);
        this.configFiles = new ConfigFiles(settings.dataDirectory(), user);
        this.sql = new PostgresSql(SqlConnector.local(settings));
        this.replayTimeline = new ReplayTimeline(new SqlConnector(settings.localHost(), settings.port(),
                settings.database(), settings.replication(), settings.connectTimeout(), settings.queryTimeout()));
    }

    public PostgresSettings settings() {
        return settings;
    }

    public DatabaseCommandRunner runner() {
        return runner;
    }

    public DataDirectory dataDirectory() {
        return dataDirectory;
    }

    public ConfigFiles configFiles() {
        return configFiles;
    }

    /** SQL against this server as the superuser, over the shared, bounded connection. */
    public PostgresSql sql() {
        return sql;
    }

    /** SQL against another server (a rewind source, the leader); the caller closes it. */
    public PostgresSql connect(String host, int port, Credentials credentials) {
        return connect(host, port, credentials, settings.database());
    }

    /** SQL against {@code database} of another server; the caller closes it. */
    public PostgresSql connect(String host, int port, Credentials credentials, String database) {
        return new PostgresSql(new SqlConnector(host, port, database, credentials,
                settings.connectTimeout(), settings.queryTimeout()));
    }

    /**
     * Places a replication slot's on-disk state ({@code pg_replslot/<name>/state}, as read from the primary) in the
     * stopped data directory, owned by the database user; PostgreSQL loads it at the next start.
     */
    public void installSlotState(String name, byte[] state) {
        if (!ReplicationSlot.isValidName(name)) {
            throw new IllegalArgumentException("not a valid slot name: " + name);
        }
        if (isRunning()) {
            throw new PostgresException(PostgresException.UNAVAILABLE, "PostgreSQL must be stopped to install slot " + name);
        }
        Path dir = dataDirectory().path().resolve("pg_replslot").resolve(name);
        try {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Path tmp = dir.resolve("state.tmp");
            java.nio.file.Files.write(tmp, state);
            java.nio.file.Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            java.nio.file.Files.move(tmp, dir.resolve("state"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            user.own(dir);
            user.own(dir.resolve("state"));
        } catch (java.io.IOException e) {
            throw new PostgresException(PostgresException.UNAVAILABLE, "cannot install slot " + name + " in " + dir
                    + ": " + e.getMessage());
        }
    }

    /** SQL against {@code database} of this server as the superuser (logical slots live in one); the caller closes it. */
    public PostgresSql connectLocal(String database) {
        return connect(settings.localHost(), settings.port(), settings.superuser(), database);
    }

    // ---------------------------------------------------------------- observing

    public ProcessState state() {
        return state;
    }

    /** The postmaster this instance knows of (running, or the last one, which may have exited). */
    public Optional<Postmaster> postmaster() {
        return Optional.ofNullable(postmaster.get());
    }

    /** Whether a postmaster this instance knows of is alive. */
    public boolean isRunning() {
        Postmaster pm = postmaster.get();
        return pm != null && pm.isAlive();
    }

    /**
     * Called (on a JDK thread) whenever a postmaster this instance started or adopted exits, crash or not; the exit
     * says whether the agent had asked for it. Listeners must return quickly.
     */
    public void addExitListener(Consumer<PostmasterExit> listener) {
        exitListeners.add(Objects.requireNonNull(listener, "listener is null"));
    }

    /**
     * A snapshot for the HA loop and the REST API: the process state (a starting postmaster that became ready is
     * noticed here, without waiting) and, when it runs, its status, pending restarts and, on a primary, its standbys.
     * Never throws; bounded by the connect and query timeouts. Thread-safe.
     */
    public InstanceObservation observe() {
        if (state == ProcessState.STARTING) {
            awaitReady(Duration.ZERO);
        }
        ProcessState process = state;
        if (process != ProcessState.RUNNING) {
            return new InstanceObservation(process, Optional.empty(), Map.of(), List.of(), Optional.empty());
        }
        ServerStatus status;
        try {
            status = replayTimeline.correct(sql.status());
        } catch (PostgresException e) {
            return new InstanceObservation(process, Optional.empty(), Map.of(), List.of(), Optional.of(e.getMessage()));
        }
        Map<String, PendingChange> pending = Map.of();
        List<ReplicationConnection> replication = List.of();
        Optional<String> error = Optional.empty();
        try {
            pending = pendingRestart(status.confLoadTime());
            if (!status.inRecovery()) {
                replication = sql.replication();
            }
        } catch (PostgresException e) {
            error = Optional.of(e.getMessage());
        }
        return new InstanceObservation(process, Optional.of(status), pending, replication, error);
    }

    private Map<String, PendingChange> pendingRestart(Instant confLoadTime) {
        PendingAsOf known = pending;
        if (!known.loadedAt().equals(confLoadTime)) {
            known = new PendingAsOf(confLoadTime, sql.pendingRestart());
            pending = known;
        }
        return known.changes();
    }

    /** {@code postmaster.pid} as it is now. */
    public Optional<PostmasterPidFile> pidFile() {
        return PostmasterPidFile.read(settings.dataDirectory());
    }

    /**
     * Runs pg_controldata on the data directory.
     *
     * @throws PostgresException {@code PG_CONTROLDATA_UNREADABLE} when the directory is not a cluster, or the
     *         program fails or prints something unexpected
     */
    public ControlData controlData() {
        Path program = settings.binaries().require(Program.PG_CONTROLDATA);
        CommandResult r = runner.run(new Command(List.of(program.toString(), settings.dataDirectory().toString()),
                Map.of("LC_ALL", "C", "LANG", "C"), Optional.empty(), settings.queryTimeout(), true));
        if (!r.succeeded()) {
            throw new PostgresException(PostgresException.CONTROLDATA_UNREADABLE,
                    "pg_controldata " + settings.dataDirectory() + " failed" + (r.timedOut() ? " (timed out)" : "")
                            + ": " + r.output().trim());
        }
        return ControlData.parse(r.output());
    }

    /**
     * Whether the stopped data directory ended as a primary without its shutdown checkpoint (crash, kill -9,
     * immediate stop) and must go through {@link #crashRecovery} before it can be compared with another member's
     * timeline or rewound. Not while a base backup's {@code backup_label} is there (Patroni 4.1.3).
     */
    public boolean needsCrashRecovery() {
        if (isRunning() || !dataDirectory.isInitialized() || dataDirectory.hasBackupLabel()) {
            return false;
        }
        return controlData().state().needsCrashRecovery();
    }

    /**
     * Looks for a postmaster already running on the data directory (left by an earlier agent process) and takes
     * charge of it: its state becomes {@code RUNNING} (or {@code STARTING} while it does not accept connections
     * yet) and its exit is watched. Returns the one already known when it is alive.
     */
    public Optional<Postmaster> adoptRunning() {
        Postmaster known = postmaster.get();
        if (known != null && known.isAlive()) {
            return Optional.of(known);
        }
        Optional<Postmaster> found = Postmaster.find(settings.dataDirectory());
        found.ifPresent(pm -> {
            LOG.info("found {} already running", pm);
            track(pm);
            state = pidFile().filter(f -> f.pid() == pm.pid() && f.status().acceptsConnections()).isPresent()
                    ? ProcessState.RUNNING : ProcessState.STARTING;
        });
        return found;
    }

    // ---------------------------------------------------------------- configuration

    /**
     * Writes the pgpass file, postgresql.conf (keeping the user's own as postgresql.base.conf), pg_hba.conf and
     * pg_ident.conf when configured, and the signal files for {@code role}. Does not signal the server.
     */
    public void writeConfiguration(ServerRole role, ServerConfig config) {
        writePgPass();
        configFiles.write(settings, config, role);
    }

    /**
     * Writes the pgpass file with every configured password (replication, superuser, rewind), for the standby's WAL
     * receiver and the libpq programs pgha runs.
     */
    public void writePgPass() {
        PgPassFile.write(settings.pgpassFile(), PgPassFile.entriesFor(credentials()), user);
    }

    private List<Credentials> credentials() {
        List<Credentials> all = new ArrayList<>(List.of(settings.replication(), settings.superuser()));
        settings.rewind().ifPresent(all::add);
        return all;
    }

    /**
     * Rewrites the configuration for {@code role} and makes the running server re-read it (SIGHUP). Parameters
     * that need a restart show up in {@link PostgresSql#pendingRestart()} once the server has processed the reload.
     *
     * @throws PostgresException {@code POSTGRES_NOT_RUNNING} when no postmaster runs
     */
    public void reload(ServerRole role, ServerConfig config) {
        Postmaster pm = requireRunning("reload");
        writeConfiguration(role, config);
        if (!pm.signal(UnixSignal.HUP)) {
            throw new PostgresException(PostgresException.NOT_RUNNING, "cannot signal " + pm + " to reload");
        }
        LOG.info("reloaded the configuration of {}", pm);
    }

    /**
     * Points the running standby at another upstream, or none (rewrites primary_conninfo and primary_slot_name
     * and reloads: both are reloadable since PostgreSQL 13).
     *
     * @return {@code true} when done by a reload; {@code false} when the server needs a restart to follow (it is
     *         not a standby, or is older than 13); the files are rewritten either way
     */
    public boolean follow(ServerRole.Standby standby, ServerConfig config) {
        Postmaster pm = requireRunning("follow a new upstream");
        ServerStatus status = sql.status();
        writeConfiguration(standby, config);
        if (!status.inRecovery() || status.serverVersion() < 130000) {
            return false;
        }
        if (!pm.signal(UnixSignal.HUP)) {
            throw new PostgresException(PostgresException.NOT_RUNNING, "cannot signal " + pm + " to reload");
        }
        LOG.info("{} now follows {}", pm, standby.source().map(s -> s.host() + ":" + s.port()).orElse("no upstream"));
        return true;
    }

    // ---------------------------------------------------------------- start

    /**
     * Writes the configuration for {@code role} and starts the postmaster. Returns once it is spawned, in state
     * {@code STARTING}; {@link #awaitReady} waits until it accepts connections.
     *
     * @throws PostgresException {@code POSTGRES_RUNNING} when a postmaster already runs on the directory;
     *         {@code POSTGRES_START_FAILED} when the directory holds no cluster or the program cannot be executed
     */
    public Postmaster start(ServerRole role, ServerConfig config) {
        Objects.requireNonNull(role, "role is null");
        Objects.requireNonNull(config, "config is null");
        Optional<Postmaster> running = adoptRunning();
        if (running.isPresent()) {
            throw new PostgresException(PostgresException.RUNNING, running.get() + " is already running");
        }
        if (!dataDirectory.isInitialized()) {
            throw new PostgresException(PostgresException.START_FAILED,
                    "cannot start PostgreSQL: " + settings.dataDirectory() + " holds no database cluster");
        }
        Path postgres = settings.binaries().require(Program.POSTGRES);
        clearLeftovers();
        removeStalePidFile();
        // only the directory itself: PostgreSQL refuses a group- or world-accessible data directory, and walking a
        // large cluster's files at every start would be slow (bootstrap and replica creation give them away)
        dataDirectory.prepare();
        writeConfiguration(role, config);
        Postmaster pm = Postmaster.spawn(user, List.of(postgres.toString(), "-D", settings.dataDirectory().toString(),
                "--config-file=" + configFiles.path(ConfigFiles.POSTGRESQL_CONF)), Map.of(),
                settings.dataDirectory(), settings.postmasterLog());
        state = ProcessState.STARTING;
        track(pm);
        LOG.info("started {} as {}", pm, describe(role));
        return pm;
    }

    /**
     * Waits until the postmaster accepts connections ({@code ready}, or {@code standby} for a hot standby, in
     * postmaster.pid, as {@code pg_ctl -w} checks), it exits, or {@code timeout} passes. Wakes at once when it exits.
     *
     * @return {@code RUNNING}, {@code STARTING} (still starting: call again later) or {@code START_FAILED}
     */
    public ProcessState awaitReady(Duration timeout) {
        Postmaster pm = postmaster.get();
        if (pm == null) {
            return state;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!pm.isAlive()) {
                if (state == ProcessState.STARTING) {
                    state = ProcessState.START_FAILED;
                    LOG.warn("{} exited while starting{}", pm, logTail().map(t -> ":\n" + t).orElse(""));
                }
                return state;
            }
            if (pidFile().filter(f -> f.pid() == pm.pid() && f.status().acceptsConnections()).isPresent()) {
                if (state == ProcessState.STARTING) {
                    state = ProcessState.RUNNING;
                }
                return state;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return state;
            }
            try {
                pm.onExit().get(Math.min(left, POLL.toNanos()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // look again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return state;
            } catch (java.util.concurrent.ExecutionException e) {
                return state;
            }
        }
    }

    /** {@link #start} then {@link #awaitReady}. */
    public ProcessState startAndWait(ServerRole role, ServerConfig config, Duration timeout) {
        start(role, config);
        return awaitReady(timeout);
    }

    /** The end of the postmaster's log file, when it has one, for error messages. */
    public Optional<String> logTail() {
        return settings.postmasterLog().flatMap(PostgresInstance::tail);
    }

    private static Optional<String> tail(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - LOG_TAIL_CHARS);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            return Optional.of(new String(buf, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void track(Postmaster pm) {
        postmaster.set(pm);
        pm.onExit().thenAccept(exit -> {
            if (postmaster.get() == pm) {
                ProcessState before = state;
                if (exit.requested()) {
                    state = ProcessState.STOPPED;
                } else if (before == ProcessState.STARTING) {
                    state = ProcessState.START_FAILED;
                } else if (before != ProcessState.START_FAILED) {
                    state = ProcessState.CRASHED;
                }
                if (!exit.requested()) {
                    LOG.warn("{} exited without being asked to{}", pm,
                            exit.exitCode().isPresent() ? " (exit code " + exit.exitCode().getAsInt() + ")" : "");
                }
            }
            for (Consumer<PostmasterExit> l : exitListeners) {
                try {
                    l.accept(exit);
                } catch (RuntimeException e) {
                    LOG.warn("a postmaster exit listener failed", e);
                }
            }
        });
    }

    /**
     * Backends of a postmaster that was SIGKILLed keep running until they notice, and keep its shared memory
     * attached, which stops a new postmaster ("pre-existing shared memory block is still in use"). They all run in
     * the data directory: give them a moment, then kill them.
     */
    private void clearLeftovers() {
        Path real = Postmaster.realPath(settings.dataDirectory());
        long deadline = System.nanoTime() + LEFTOVER_GRACE.toNanos();
        List<Long> left = ProcFs.processesIn(real);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            ProcessHandle.of(left.get(0)).ifPresent(h -> {
                try {
                    h.onExit().get(POLL.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                    // look again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            left = ProcFs.processesIn(real);
        }
        if (!left.isEmpty()) {
            LOG.warn("killing processes {} left running in {} by a dead postmaster", left, real);
            left.forEach(pid -> UnixSignal.KILL.send(pid));
        }
    }

    private void removeStalePidFile() {
        Optional<PostmasterPidFile> f = pidFile();
        if (f.isPresent() && !Postmaster.isPostmasterOf(f.get().pid(), Postmaster.realPath(settings.dataDirectory()))) {
            try {
                Files.deleteIfExists(settings.dataDirectory().resolve(PostmasterPidFile.FILE_NAME));
                LOG.info("removed a stale postmaster.pid (pid {} is not a postmaster of this directory)", f.get().pid());
            } catch (IOException e) {
                LOG.warn("cannot remove a stale postmaster.pid: {}", e.toString());
            }
        }
    }

    // ---------------------------------------------------------------- stop

    /**
     * Stops the postmaster (the one started, or one found from postmaster.pid) and waits until it and its children
     * are gone. Escalates when a step does not finish: {@code mode} gets {@code timeout}; then each harder mode
     * (fast, immediate) gets at most {@link #ESCALATION_STEP}; then SIGKILL for the postmaster and its children.
     *
     * @throws PostgresException {@code POSTGRES_STOP_FAILED} when it survives even SIGKILL
     */
    public StopResult stop(StopMode mode, Duration timeout) {
        Objects.requireNonNull(mode, "mode is null");
        long started = System.nanoTime();
        Postmaster pm = adoptRunning().orElse(null);
        if (pm == null) {
            if (state != ProcessState.CRASHED && state != ProcessState.START_FAILED) {
                state = ProcessState.STOPPED;
            }
            return StopResult.notRunning();
        }
        pm.markStopRequested();
        state = ProcessState.STOPPING;
        // our own idle session would hold up a smart shutdown until its timeout
        sql.close();
        List<ProcessHandle> children = pm.children();
        StopMode current = mode;
        Duration wait = timeout;
        while (true) {
            LOG.info("stopping {} ({} shutdown)", pm, current.name().toLowerCase(java.util.Locale.ROOT));
            pm.signal(current.signal());
            if (pm.awaitExit(wait)) {
                awaitGone(children, ESCALATION_STEP);
                state = ProcessState.STOPPED;
                return new StopResult(true, Optional.of(current), false, Duration.ofNanos(System.nanoTime() - started));
            }
            if (current == StopMode.IMMEDIATE) {
                break;
            }
            current = StopMode.values()[current.ordinal() + 1];
            wait = timeout.compareTo(ESCALATION_STEP) < 0 ? timeout : ESCALATION_STEP;
            LOG.warn("{} did not stop in time; escalating to {} shutdown", pm, current.name().toLowerCase(java.util.Locale.ROOT));
        }
        kill(pm);
        state = ProcessState.STOPPED;
        return new StopResult(true, Optional.empty(), true, Duration.ofNanos(System.nanoTime() - started));
    }

    private void kill(Postmaster pm) {
        LOG.warn("killing {} and its children (SIGKILL)", pm);
        List<ProcessHandle> children = pm.children();
        UnixSignal.KILL.send(pm.pid());
        children.forEach(ProcessHandle::destroyForcibly);
        if (!pm.awaitExit(ESCALATION_STEP)) {
            state = ProcessState.STOPPING;
            throw new PostgresException(PostgresException.STOP_FAILED, pm + " survived SIGKILL");
        }
        awaitGone(children, ESCALATION_STEP);
    }

    private static void awaitGone(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle h : processes) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The longest {@link #fence()} takes: a second for the immediate shutdown, then SIGKILL of the postmaster and every
     * backend, which the kernel carries out at once, and a second to see them gone.
     */
    public static final Duration FENCE_WORST_CASE = Duration.ofSeconds(2);
    private static final Duration FENCE_STEP = Duration.ofSeconds(1);

    /**
     * Makes sure nothing can commit any more, as fast as possible: immediate shutdown, and SIGKILL for the
     * postmaster and its children if it is not gone within a second. Thread-safe; does not wait for a lifecycle
     * operation in progress. Takes at most {@link #FENCE_WORST_CASE}.
     */
    public void fence() {
        Postmaster pm = postmaster.get();
        if (pm == null || !pm.isAlive()) {
            pm = Postmaster.find(settings.dataDirectory()).orElse(null);
        }
        if (pm == null) {
            return;
        }
        pm.markStopRequested();
        state = ProcessState.STOPPING;
        LOG.warn("fencing {}: immediate shutdown", pm);
        // the backends are listed before the signal: once the postmaster is gone they are no longer its children,
        // and a backend that outlives its postmaster could still finish a commit
        List<ProcessHandle> children = pm.children();
        pm.signal(UnixSignal.QUIT);
        if (!pm.awaitExit(FENCE_STEP)) {
            UnixSignal.KILL.send(pm.pid());
            children.forEach(ProcessHandle::destroyForcibly);
            pm.awaitExit(FENCE_STEP);
        }
        if (!pm.isAlive()) {
            state = ProcessState.STOPPED;
        }
    }

    /** Stops ({@code mode}, {@code timeout}), then starts as {@code role} and waits up to {@code timeout}. */
    public ProcessState restart(ServerRole role, ServerConfig config, StopMode mode, Duration timeout) {
        stop(mode, timeout);
        return startAndWait(role, config, timeout);
    }

    // ---------------------------------------------------------------- promote, crash recovery

    /**
     * Promotes the running standby and waits until it accepts writes ({@code pg_promote(wait => true)}).
     *
     * @throws PostgresException {@code POSTGRES_PROMOTE_FAILED} when it is not done within {@code timeout};
     *         {@code POSTGRES_NOT_RUNNING} when nothing runs
     */
    public void promote(Duration timeout) {
        Postmaster pm = requireRunning("promote");
        if (!sql.isInRecovery()) {
            LOG.info("{} is already a primary", pm);
            return;
        }
        if (!sql.promote(timeout)) {
            throw new PostgresException(PostgresException.PROMOTE_FAILED,
                    pm + " did not finish promotion within " + timeout);
        }
        LOG.info("promoted {}", pm);
    }

    /**
     * Brings a data directory whose primary stopped without a shutdown checkpoint to a clean shutdown, by crash
     * recovery in single-user mode ({@code postgres --single}, input from /dev/null, so it ends as soon as recovery
     * does). The signal files are removed first: the recovery is a primary's, and the HA loop writes the role's
     * files again at the next start. WAL segments waiting for the archiver are kept ({@code archive_mode=on} with a
     * failing {@code archive_command}).
     *
     * @return pg_controldata after the recovery
     * @throws PostgresException {@code POSTGRES_RUNNING} when the postmaster runs,
     *         {@code POSTGRES_CRASH_RECOVERY_FAILED} when it fails or does not end in a clean shutdown
     */
    public ControlData crashRecovery(Duration timeout) {
        if (adoptRunning().isPresent()) {
            throw new PostgresException(PostgresException.RUNNING, "cannot run crash recovery: PostgreSQL is running");
        }
        Path postgres = settings.binaries().require(Program.POSTGRES);
        clearLeftovers();
        removeStalePidFile();
        configFiles.removeSignalFiles();
        LOG.info("doing crash recovery in a single user mode on {}", settings.dataDirectory());
        CommandResult r = runner.run(new Command(List.of(postgres.toString(), "--single",
                "-D", settings.dataDirectory().toString(),
                "--config-file=" + configFiles.path(ConfigFiles.POSTGRESQL_CONF),
                "-c", "archive_mode=on", "-c", "archive_command=false", "-c", "hot_standby=off",
                "template1"), Map.of(), Optional.empty(), timeout, true));
        if (!r.succeeded()) {
            throw new PostgresException(PostgresException.CRASH_RECOVERY_FAILED,
                    "single-user crash recovery " + (r.timedOut() ? "timed out" : "failed (exit " + r.exitCode() + ")")
                            + ": " + r.output().trim());
        }
        ControlData after = controlData();
        if (!after.state().isCleanShutdown()) {
            throw new PostgresException(PostgresException.CRASH_RECOVERY_FAILED,
                    "single-user crash recovery ended with the cluster " + after.state().text() + ": " + r.output().trim());
        }
        return after;
    }

    private Postmaster requireRunning(String what) {
        Postmaster pm = adoptRunning().orElse(null);
        if (pm == null) {
            throw new PostgresException(PostgresException.NOT_RUNNING, "cannot " + what + ": PostgreSQL is not running");
        }
        return pm;
    }

    private static String describe(ServerRole role) {
        if (role instanceof ServerRole.Standby s) {
            return "a standby of " + s.source().map(x -> x.host() + ":" + x.port()).orElse("no upstream");
        }
        return role instanceof ServerRole.Primary ? "a primary" : "targeted archive recovery";
    }

    /** Closes the SQL connection; the postmaster keeps running. */
    @Override
    public void close() {
        sql.close();
    }
}
