package io.pgha.engine.agent;

import io.pgha.engine.ha.ExternalFence;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fencing process outside the agent ({@code pgha-fencer.sh}, a bash loop of builtins): started by the agent in its
 * own session so that it outlives the agent, adopted by the next agent if one still runs, restarted when it dies. The
 * agent talks to it through one small state file, replaced atomically: the deadline on {@code /proc/uptime}'s
 * monotonic clock and the postmaster to stop. The fencer sleeps until that deadline; a line written to its FIFO wakes
 * it when the deadline moves earlier.
 */
final class FencingSupervisor implements ExternalFence, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FencingSupervisor.class);
    private static final String SCRIPT = "pgha-fencer.sh";
    /** The fencer's longest nap (IDLE_NAP in the script). */
    private static final int IDLE_NAP_SECONDS = 10;
    private static final byte[] NEWLINE = {'\n'};

    private final Path dir;
    private final Path state;
    private final Path script;
    private final Path log;
    private final Path tick;
    private long pid;
    private long deadlineCentis;
    private long postmaster;

    private FencingSupervisor(Path dir) {
        this.dir = dir;
        this.state = dir.resolve("state");
        this.script = dir.resolve(SCRIPT);
        this.log = dir.resolve("fencer.log");
        this.tick = dir.resolve("fencer.tick");
    }

    /** Starts the fencer (or adopts the one a previous agent left running) under {@code stateRoot/fencer}. */
    static FencingSupervisor start(Path stateRoot) {
        FencingSupervisor f = new FencingSupervisor(stateRoot.resolve("fencer"));
        try {
            Files.createDirectories(f.dir);
            Files.setPosixFilePermissions(f.dir, PosixFilePermissions.fromString("rwx------"));
            try (InputStream in = FencingSupervisor.class.getResourceAsStream(SCRIPT)) {
                if (in == null) {
                    throw new IllegalStateException(SCRIPT + " is missing from the engine jar");
                }
                Path tmp = f.dir.resolve(SCRIPT + ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
                Files.move(tmp, f.script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the fencing supervisor in " + f.dir, e);
        }
        Optional<Long> running = f.runningPid();
        if (running.isPresent()) {
            // a fencer of an earlier agent still guards the deadline that agent set: keep it, and its state
            f.pid = running.get();
            LOG.info("adopted the fencing supervisor left running by the previous agent (pid {})", f.pid);
        } else {
            f.writeState(0, 0, false);
            f.spawn();
        }
        return f;
    }

    @Override
    public synchronized void arm(long deadlineNanos, Optional<Long> postmasterPid) {
        long centis = uptimeCentis() + Math.max(0, (deadlineNanos - System.nanoTime()) / 10_000_000L);
        // the fencer sleeps until the deadline it last read: a later one (a renewal) it finds by itself when it
        // wakes, an earlier one (armed from disarmed, a shorter ttl) it must be told about now
        boolean sooner = deadlineCentis == 0 || centis < deadlineCentis;
        writeState(centis, postmasterPid.orElse(0L), false);
        if (sooner) {
            wake();
        }
    }

    @Override
    public synchronized void disarm() {
        writeState(0, 0, false);
    }

    @Override
    public synchronized boolean ready() {
        if (pid != 0 && alive(pid)) {
            return true;
        }
        LOG.warn("the fencing supervisor (pid {}) is not running; starting it again", pid);
        writeState(deadlineCentis, postmaster, false);
        spawn();
        return pid != 0 && alive(pid);
    }

    /** The agent stops gracefully: the fencer exits too (after a clean shutdown there is nothing left to fence). */
    @Override
    public synchronized void close() {
        writeState(0, 0, true);
        wake();
    }

    /**
     * Writes a line to the fencer's FIFO, which ends its nap so that it re-reads the state file at once. The FIFO is
     * opened for reading and writing: on Linux that never blocks, even when no fencer holds the other end (a
     * write-only open would wait for a reader for ever), and what nobody reads is dropped when this end closes.
     */
    private void wake() {
        try (FileChannel tick = FileChannel.open(this.tick, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            tick.write(ByteBuffer.wrap(NEWLINE));
        } catch (NoSuchFileException e) {
            // the fencer has not created its FIFO yet: it reads the state file before its first nap
        } catch (IOException e) {
            LOG.warn("cannot wake the fencing supervisor through {}: {}; it reads the new deadline within {} s",
                    this.tick, e.getMessage(), IDLE_NAP_SECONDS);
        }
    }

    private void spawn() {
        try {
            String agentPid = Long.toString(ProcessHandle.current().pid());
            Process p = new ProcessBuilder("setsid", "bash", script.toString(), state.toString(), agentPid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // setsid execs in place: the process is the fencer itself
            pid = p.pid();
            LOG.info("started the fencing supervisor (pid {}); it stops PostgreSQL if the leader lease runs out "
                    + "even when this agent cannot", pid);
        } catch (IOException e) {
            pid = 0;
            LOG.error("cannot start the fencing supervisor: {}", e.getMessage());
        }
    }

    private Optional<Long> runningPid() {
        try {
            long p = Long.parseLong(Files.readString(dir.resolve("fencer.pid")).trim());
            String cmdline = Files.readString(Path.of("/proc/" + p + "/cmdline")).replace('\0', ' ');
            return alive(p) && cmdline.contains(SCRIPT) ? Optional.of(p) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void writeState(long deadline, long postmasterPid, boolean stop) {
        this.deadlineCentis = deadline;
        this.postmaster = postmasterPid;
        String text = "deadline=" + deadline + "\npostmaster=" + postmasterPid + "\nstop=" + (stop ? 1 : 0) + "\n";
        try {
            Path tmp = dir.resolve("state.tmp");
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.error("cannot hand the fencing supervisor its deadline: {}", e.getMessage());
        }
    }

    private static long uptimeCentis() {
        try {
            String up = Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0];
            return Math.round(Double.parseDouble(up) * 100);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/uptime: " + e.getMessage(), e);
        }
    }

    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            char s = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : 'X';
            return s != 'Z' && s != 'X';
        } catch (IOException e) {
            return false;
        }
    }
}
