package io.pgha.engine.postgres;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One postmaster process: either started by this agent as its own child (so its death is seen at once, through
 * {@link Process#onExit()}), or found running on the data directory from {@code postmaster.pid} after the agent
 * restarted ("adopted"; its death is seen by polling). Stopped by signals to its pid. Thread-safe.
 */
public final class Postmaster {
    private final long pid;
    private final Path dataDirectory;
    private final Optional<Process> child;
    private final CompletableFuture<PostmasterExit> exit;
    private volatile boolean stopRequested;

    private Postmaster(long pid, Path dataDirectory, Optional<Process> child) {
        this.pid = pid;
        this.dataDirectory = dataDirectory;
        this.child = child;
        CompletableFuture<PostmasterExit> onExit = child
                .map(p -> p.onExit().thenApply(done -> new PostmasterExit(pid, OptionalInt.of(done.exitValue()),
                        stopRequested, Instant.now())))
                .orElseGet(() -> ProcessHandle.of(pid)
                        .map(h -> h.onExit().thenApply(done -> new PostmasterExit(pid, OptionalInt.empty(),
                                stopRequested, Instant.now())))
                        .orElseGet(() -> CompletableFuture.completedFuture(
                                new PostmasterExit(pid, OptionalInt.empty(), stopRequested, Instant.now()))));
        this.exit = onExit;
    }

    /**
     * Starts {@code postgres} as a child of this JVM, in its own session (so a Ctrl-C meant for the agent does not
     * reach it), as the database user. {@code setsid} and {@code setpriv} both exec in place: the child's pid is the
     * postmaster's.
     *
     * @param postgresArgv the postgres program and its arguments
     * @param log where its standard output and error go (appended); the agent's own when empty
     * @throws PostgresException {@code START_FAILED} when the program cannot be executed
     */
    static Postmaster spawn(DatabaseUser user, List<String> postgresArgv, Map<String, String> environment,
            Path dataDirectory, Optional<Path> log) {
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.addAll(user.commandLine(postgresArgv));
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(dataDirectory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment);
        if (log.isPresent()) {
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.get().toFile()));
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        try {
            Process process = pb.start();
            return new Postmaster(process.pid(), dataDirectory, Optional.of(process));
        } catch (IOException e) {
            throw new PostgresException(PostgresException.START_FAILED,
                    "cannot start " + postgresArgv.get(0) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The postmaster running on {@code dataDirectory} according to its {@code postmaster.pid}, if that pid is a live
     * (not zombie) {@code postgres} process whose current directory is the data directory (so a pid reused by
     * another program is not mistaken for it).
     */
    public static Optional<Postmaster> find(Path dataDirectory) {
        Path real = realPath(dataDirectory);
        return PostmasterPidFile.read(dataDirectory)
                .filter(f -> isPostmasterOf(f.pid(), real))
                .map(f -> new Postmaster(f.pid(), dataDirectory, Optional.empty()));
    }

    static boolean isPostmasterOf(long pid, Path realDataDirectory) {
        if (!ProcFs.isAlive(pid) || !ProcFs.name(pid).filter(n -> n.startsWith("postgres")).isPresent()) {
            return false;
        }
        // an unreadable cwd (another user's process seen by a non-root agent) does not disprove it
        return ProcFs.currentDirectory(pid).map(realDataDirectory::equals).orElse(true);
    }

    static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    public long pid() {
        return pid;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Whether this agent started it (its exit is then seen at once); {@code false} for an adopted postmaster. */
    public boolean startedByAgent() {
        return child.isPresent();
    }

    /** Whether it still runs. A zombie counts as gone. */
    public boolean isAlive() {
        if (exit.isDone()) {
            return false;
        }
        return child.map(Process::isAlive).orElse(true) && ProcFs.isAlive(pid);
    }

    /**
     * Completes when the postmaster exits: at once for a child, within a few seconds (polled) for an adopted one.
     * Never completes exceptionally.
     */
    public CompletableFuture<PostmasterExit> onExit() {
        return exit;
    }

    /** Records that the agent asked it to stop, so that its exit is not taken for a crash. */
    void markStopRequested() {
        stopRequested = true;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** Sends a signal; {@code false} when it is gone. */
    boolean signal(UnixSignal signal) {
        return isAlive() && signal.send(pid);
    }

    /**
     * Waits until it has exited, at most {@code timeout}; wakes as soon as it exits. Returns whether it is gone. An
     * adopted postmaster is checked through /proc as well, since its exit future is only polled.
     */
    boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                exit.get(Math.min(left, child.isPresent() ? left : TimeUnit.MILLISECONDS.toNanos(100)),
                        TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // check again
            } catch (ExecutionException e) {
                return !isAlive();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isAlive();
            }
        }
        return true;
    }

    /** The processes it started (backends, auxiliary processes) that are still alive. */
    List<ProcessHandle> children() {
        return ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of());
    }

    @Override
    public String toString() {
        return "postmaster " + pid + (startedByAgent() ? "" : " (adopted)") + " on " + dataDirectory;
    }

    /**
     * How a postmaster ended.
     *
     * @param pid its pid
     * @param exitCode its exit status, known only for a postmaster this agent started
     * @param requested whether the agent had asked it to stop (otherwise it crashed or was killed)
     * @param at when its exit was noticed
     */
    public record PostmasterExit(long pid, OptionalInt exitCode, boolean requested, Instant at) {
        public PostmasterExit {
            Objects.requireNonNull(exitCode, "exitCode is null");
            Objects.requireNonNull(at, "at is null");
        }
    }
}
