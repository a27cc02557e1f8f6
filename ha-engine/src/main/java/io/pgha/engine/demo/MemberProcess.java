package io.pgha.engine.demo;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** One running agent the demo started, and what stopping it takes. */
public final class MemberProcess {
    private final String name;
    private final Process process;
    private final DemoPaths paths;

    MemberProcess(String name, Process process, DemoPaths paths) {
        this.name = name;
        this.process = process;
        this.paths = paths;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code once the agent ended. */
    public Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    /** SIGTERM: the agent stops PostgreSQL cleanly and, as leader, releases its lock. */
    void requestStop() {
        process.destroy();
    }

    /** Waits until the agent ended or the deadline (a {@link System#nanoTime()} value) passed. */
    boolean awaitExit(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        return process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS);
    }

    /**
     * SIGKILL, the last resort. An agent killed this way cannot stop its PostgreSQL, which runs in its own session:
     * stop that too, found by the data directory's {@code postmaster.pid}.
     *
     * @return what was done, for the operator
     */
    String kill(Duration postmasterTimeout) throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        OptionalLong pm = postmasterPid(paths.dataDir(name));
        if (pm.isEmpty()) {
            return name + ": agent killed (pid " + pid() + ")";
        }
        long pid = pm.getAsLong();
        // fast shutdown (SIGINT): sessions are rolled back, a checkpoint is written
        signal("INT", pid);
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent() && !waitGone(h.get(), postmasterTimeout)) {
            // immediate shutdown: crash recovery at the next start, but nothing is left running
            signal("QUIT", pid);
            waitGone(h.get(), Duration.ofSeconds(10));
        }
        return name + ": agent killed (pid " + pid() + "), its PostgreSQL (pid " + pid + ") stopped";
    }

    /** Removes {@code agent.pid} once the agent is gone. */
    void forget() {
        if (!process.isAlive()) {
            try {
                Files.deleteIfExists(paths.pid(name));
            } catch (IOException e) {
                // the next run checks that the pid no longer runs an agent of this member
            }
        }
    }

    /** The last {@code lines} lines of the agent's log, stack frames left out. */
    public List<String> logTail(int lines) {
        return tail(paths.log(name), lines);
    }

    static List<String> tail(Path file, int lines) {
        // read at most the last 64 KiB: logs of a long demo grow
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 65536);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            List<String> all = new ArrayList<>(Arrays.asList(new String(buf, StandardCharsets.UTF_8).split("\\R")));
            if (from > 0 && !all.isEmpty()) {
                all.remove(0);
            }
            // stack frames of logged exceptions would crowd out the messages that say what happened
            all.removeIf(l -> l.startsWith("\tat ") || l.startsWith("\t... "));
            return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
        }
    }

    /** The postmaster's pid from {@code postmaster.pid}, if that process still runs PostgreSQL on this directory. */
    static OptionalLong postmasterPid(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII);
            if (lines.isEmpty()) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(lines.get(0).trim());
            // a stale pid file may name a recycled pid: only a process whose command line names this data directory
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
            return cmdline.contains(dataDir.toString()) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static void signal(String signal, long pid) throws InterruptedException {
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            // kill(1) missing: SIGTERM at least (smart shutdown)
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }

    /** Waits for a process we did not start (no zombie to reap): gone or a zombie counts as ended. */
    static boolean waitGone(ProcessHandle h, Duration timeout) throws InterruptedException {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !h.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !h.isAlive();
        }
    }
}
