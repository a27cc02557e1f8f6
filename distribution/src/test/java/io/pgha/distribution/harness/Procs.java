package io.pgha.distribution.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Signals and liveness of processes by pid, through {@code /proc} and {@code kill(1)}. Every pid handed in here is
 * one the harness started itself or read from a data directory it owns (and checked against that directory's path);
 * nothing is ever looked up by name.
 */
public final class Procs {
    private Procs() {
    }

    /** The signals the scenarios use. */
    public enum Sig {
        TERM, KILL, STOP, CONT, QUIT, HUP
    }

    /** Whether {@code pid} runs; a zombie (exited, not yet reaped by its parent) counts as dead. */
    public static boolean alive(long pid) {
        Optional<Character> state = state(pid);
        return state.isPresent() && state.get() != 'Z' && state.get() != 'X';
    }

    /** Whether {@code pid} is stopped by a signal (state {@code T}). */
    public static boolean stopped(long pid) {
        return state(pid).filter(s -> s == 'T').isPresent();
    }

    private static Optional<Character> state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            // the command name (field 2) is in parentheses and may itself contain ") ": the state follows the last
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length()) {
                return Optional.empty();
            }
            return Optional.of(stat.charAt(close + 2));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The process's command line, arguments separated by spaces; empty when it is gone. */
    public static String cmdline(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Sends {@code sig} to {@code pid}. Fails only when the process is alive and kill(1) refused; signalling a
     * process that is already gone is not an error (a crash test races with the process's own exit).
     */
    public static void signal(long pid, Sig sig) {
        Result r = run(Duration.ofSeconds(10), "kill", "-" + sig.name(), Long.toString(pid));
        if (r.exitCode() != 0 && alive(pid)) {
            throw new IllegalStateException("kill -" + sig + " " + pid + " failed: " + r.output());
        }
    }

    /** Waits until {@code pid} is dead; whether it died in time. */
    public static boolean awaitDeath(long pid, Duration timeout) {
        return Waits.poll(timeout, () -> !alive(pid));
    }

    /** The outcome of a short command. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs a command to completion (stdout and stderr merged); kills it after {@code timeout}. */
    public static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command), null);
    }

    /** Runs a command with {@code stdin} as its input (null: none). */
    public static Result run(Duration timeout, List<String> command, String stdin) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            // read on another thread: a chatty command would otherwise block on a full pipe before it exits
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    out.append("(output unreadable: ").append(e).append(')');
                }
            }, "cmd-output");
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new Result(-1, "timed out after " + timeout + ": " + String.join(" ", command) + "\n" + out);
            }
            reader.join(5000);
            return new Result(p.exitValue(), out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
