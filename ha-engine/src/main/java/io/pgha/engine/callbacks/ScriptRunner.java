package io.pgha.engine.callbacks;

import io.pgha.engine.postgres.DatabaseUser;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs a callback script as the database user in a session (and process group) of its own, so that a script that
 * outlives its timeout is killed together with everything it started, including children that left its process
 * tree (daemonised helpers stay in the group). Thread-safe.
 */
public final class ScriptRunner {
    private static final int OUTPUT_TAIL = 4096;

    private final DatabaseUser user;

    public ScriptRunner(DatabaseUser user) {
        this.user = Objects.requireNonNull(user, "user is null");
    }

    /**
     * How a script ended.
     *
     * @param exitCode its exit status, -1 when it could not start or was killed
     * @param output the tail of what it printed
     * @param timedOut whether it was killed for its timeout
     * @param duration how long it ran
     */
    public record Outcome(int exitCode, String output, boolean timedOut, Duration duration) {
        public boolean succeeded() {
            return exitCode == 0 && !timedOut;
        }

        /** One line for the log. */
        public String describe() {
            String took = String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
            if (timedOut) {
                return "outlived its timeout after " + took + "; killed its process group";
            }
            return (exitCode == 0 ? "finished" : "failed with exit status " + exitCode) + " in " + took
                    + (output.isBlank() ? "" : ": " + output.strip().replace('\n', ' '));
        }
    }

    /** Runs {@code argv} with {@code environment} added, for at most {@code timeout}. */
    public Outcome run(List<String> argv, Map<String, String> environment, Duration timeout) {
        List<String> command = new ArrayList<>(List.of("setsid"));
        command.addAll(user.commandLine(argv));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .directory(new File("/"));
        pb.environment().putAll(environment);
        long started = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Outcome(-1, "cannot start " + argv.get(0) + ": " + e.getMessage(), false,
                    Duration.ofNanos(System.nanoTime() - started));
        }
        StringBuilder tail = new StringBuilder();
        Thread reader = new Thread(() -> drain(p.getInputStream(), tail), "callback-output");
        reader.setDaemon(true);
        reader.start();
        boolean timedOut = false;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                killGroup(p.pid());
                p.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(1000);
        } catch (InterruptedException e) {
            killGroup(p.pid());
            Thread.currentThread().interrupt();
            timedOut = true;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        synchronized (tail) {
            return new Outcome(timedOut || p.isAlive() ? -1 : p.exitValue(), tail.toString(), timedOut, took);
        }
    }

    /** SIGKILL to the process group {@code pgid} (setsid made the script its leader). */
    static void killGroup(long pgid) {
        try {
            Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            ProcessHandle.of(pgid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(InputStream in, StringBuilder tail) {
        byte[] buffer = new byte[1024];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (tail) {
                    tail.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    if (tail.length() > OUTPUT_TAIL) {
                        tail.delete(0, tail.length() - OUTPUT_TAIL);
                    }
                }
            }
        } catch (IOException e) {
            // the script is gone; keep what was read
        }
    }
}
