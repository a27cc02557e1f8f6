package io.pgha.engine.postgres;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.PghaException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's {@link CommandRunner}: runs programs to completion, as the {@link DatabaseUser} when asked to, with a
 * timeout that kills the program and everything it started, and keeps the tail of what it printed.
 *
 * <p>Programs read from {@code /dev/null} (so {@code postgres --single} and friends end at once instead of waiting
 * for input). Programs run as the database user start in {@code /} unless told otherwise, because PostgreSQL's tools
 * complain when they cannot read the current directory (the agent's is often {@code /root}). Thread-safe.
 */
public final class DatabaseCommandRunner implements CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseCommandRunner.class);
    /** How much of a program's output is kept for logs and error messages. */
    static final int OUTPUT_TAIL_CHARS = 8192;
    private static final Duration AFTER_KILL_WAIT = Duration.ofSeconds(5);

    private final DatabaseUser user;

    public DatabaseCommandRunner(DatabaseUser user) {
        this.user = Objects.requireNonNull(user, "user is null");
    }

    public DatabaseUser user() {
        return user;
    }

    @Override
    public CommandResult run(Command command) {
        Objects.requireNonNull(command, "command is null");
        List<String> argv = command.asDatabaseUser() ? user.commandLine(command.argv()) : command.argv();
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(command.environment());
        command.workingDirectory().or(() -> command.asDatabaseUser() && user.switchUser()
                ? java.util.Optional.of(Path.of("/")) : java.util.Optional.empty())
                .ifPresent(dir -> pb.directory(dir.toFile()));
        LOG.debug("running {}", argv);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new PghaException("COMMAND_FAILED_TO_START",
                    "cannot start " + command.argv().get(0) + ": " + e.getMessage(), e);
        }
        OutputTail tail = new OutputTail(OUTPUT_TAIL_CHARS);
        Thread reader = new Thread(() -> tail.drain(process.getInputStream()),
                "output of " + Path.of(command.argv().get(0)).getFileName());
        reader.setDaemon(true);
        reader.start();
        boolean timedOut = false;
        boolean interrupted = false;
        try {
            if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
            }
        } catch (InterruptedException e) {
            interrupted = true;
            timedOut = true;
        }
        if (timedOut) {
            LOG.warn("{} {}; killing it", command.argv().get(0),
                    interrupted ? "was interrupted" : "outlived its timeout of " + command.timeout());
            killTree(process.toHandle());
            try {
                process.waitFor(AFTER_KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            // A grandchild that kept the pipe open would block the reader: bounded.
            reader.join(2000);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        int exit = timedOut || process.isAlive() ? -1 : process.exitValue();
        return new CommandResult(exit, tail.text(), timedOut);
    }

    /**
     * Kills {@code handle} and every process it started (SIGKILL). The descendants are listed before the kill: once
     * their parent is gone they are re-parented and could no longer be found through it.
     */
    static void killTree(ProcessHandle handle) {
        List<ProcessHandle> descendants = handle.descendants().toList();
        handle.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /** The last characters of a stream, in a bounded buffer. */
    static final class OutputTail {
        private final int limit;
        private final StringBuilder text = new StringBuilder();
        private boolean truncated;

        OutputTail(int limit) {
            this.limit = limit;
        }

        void drain(InputStream in) {
            byte[] buffer = new byte[4096];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the process went away; keep what was read
            }
        }

        synchronized void append(String s) {
            text.append(s);
            if (text.length() > limit) {
                text.delete(0, text.length() - limit);
                truncated = true;
            }
        }

        synchronized String text() {
            return truncated ? "..." + text : text.toString();
        }
    }
}
