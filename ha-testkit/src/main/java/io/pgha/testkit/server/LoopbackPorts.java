package io.pgha.testkit.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Free loopback TCP ports for test servers, safe when several test JVMs on one host pick ports at the same time (the
 * end-to-end tests run two classes at once, and other worktrees' builds may run beside them).
 *
 * <p>The usual trick, binding port 0 and releasing it for the server, races: between the release and the server's own
 * bind, another JVM doing the same, or any outgoing connection, can get that port from the kernel's ephemeral range.
 * A server that a test stops and restarts on its port (etcd, ZooKeeper, PostgreSQL in a failover) leaves it free for
 * seconds, a much wider window. So ports come from below the ephemeral range ({@code ip_local_port_range}), which the
 * kernel never hands out by itself, in blocks of {@value #BLOCK}: each JVM claims one block with an exclusive file
 * lock in the temporary directory (the OS releases it when the JVM exits, however it exits) and hands out its ports
 * in turn, skipping any that something else holds. A port is handed out again only after the whole block has been
 * gone through. Where no block can be claimed (all taken, or no room below the ephemeral range) it falls back to
 * port 0, as before, and says so once.
 *
 * <p>Thread-safe.
 *
 * @since 1.0
 */
public final class LoopbackPorts {
    /** The lowest port used; below the usual 32768 start of the ephemeral range, above common fixed service ports. */
    static final int FIRST = 20000;
    static final int BLOCK = 1000;

    // PostgreSQL's Unix socket lock for a port, in Debian's default socket directory and upstream's; a stale one (a
    // killed postmaster's) can make a later server on the same port refuse to start
    private static final List<Path> PG_SOCKET_DIRS = List.of(Path.of("/var/run/postgresql"), Path.of("/tmp"));

    private static Block block;
    // blocks this JVM holds: never opened a second time here, since closing any descriptor of a file releases the
    // process's POSIX lock on it
    private static final Set<Integer> HELD = new HashSet<>();
    private static boolean claimed;

    private LoopbackPorts() {
    }

    /** A loopback port that is free now and that this JVM has not handed out recently. */
    public static int next() {
        return consecutive(1);
    }

    /** The first of {@code n} consecutive loopback ports that are free now (for programs that take a port base). */
    public static synchronized int consecutive(int n) {
        if (n < 1 || n > BLOCK / 10) {
            throw new IllegalArgumentException("n must be between 1 and " + BLOCK / 10 + ": " + n);
        }
        Block b = block();
        if (b == null) {
            return ephemeralConsecutive(n);
        }
        for (int tried = 0; tried < BLOCK; tried++) {
            int first = b.cursor;
            if (first + n > b.end) {
                b.cursor = b.start;
                continue;
            }
            b.cursor = first + n;
            boolean all = true;
            for (int p = first; p < first + n && all; p++) {
                all = usable(p);
            }
            if (all) {
                return first;
            }
        }
        throw new IllegalStateException("no " + n + " consecutive free loopback ports in " + b.start + "-"
                + (b.end - 1) + ", the port block this JVM holds (" + b.lockFile + ")");
    }

    private static Block block() {
        if (!claimed) {
            claimed = true;
            block = claim();
        }
        return block;
    }

    /** Claims a block (the next free one); package-private so that a test can claim two in one JVM. */
    static synchronized Block claim() {
        int ceiling = ephemeralLow();
        if (ceiling - FIRST < BLOCK) {
            note("the ephemeral port range starts at " + ceiling + ", leaving no block of " + BLOCK + " ports from "
                    + FIRST);
            return null;
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "pgha-test-ports");
        try {
            Files.createDirectories(dir);
            try {
                // other users' test runs claim blocks here too
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            } catch (IOException | UnsupportedOperationException e) {
                // not ours to change; claiming may still work
            }
        } catch (IOException e) {
            note("cannot create " + dir + ": " + e.getMessage());
            return null;
        }
        for (int start = FIRST; start + BLOCK <= ceiling; start += BLOCK) {
            if (HELD.contains(start)) {
                continue;
            }
            Path file = dir.resolve("block-" + start + ".lock");
            FileChannel channel = null;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    HELD.add(start);
                    // held until the JVM exits: the channel is deliberately never closed
                    return new Block(start, start + BLOCK, file, lock);
                }
                channel.close();
            } catch (IOException | OverlappingFileLockException e) {
                closeQuietly(channel);
            }
        }
        note("every port block in " + dir + " is held by another JVM");
        return null;
    }

    /** The first port of the kernel's ephemeral range; 32768 where it cannot be read (Linux's default). */
    static int ephemeralLow() {
        try {
            // line by line: Files.readString trusts the size /proc reports and returns a truncated value
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).strip();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }

    private static boolean usable(int port) {
        for (Path dir : PG_SOCKET_DIRS) {
            if (Files.exists(dir.resolve(".s.PGSQL." + port + ".lock"))) {
                return false;
            }
        }
        try (ServerSocket s = new ServerSocket()) {
            // as servers bind: a port in TIME_WAIT from an earlier test counts as free
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int ephemeralConsecutive(int n) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int first;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                first = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free loopback port", e);
            }
            boolean all = first + n - 1 <= 65535;
            for (int p = first + 1; p < first + n && all; p++) {
                all = usable(p);
            }
            if (all) {
                return first;
            }
        }
        throw new IllegalStateException("no " + n + " consecutive free loopback ports found");
    }

    private static void note(String why) {
        System.out.println("LoopbackPorts: " + why + "; picking ports with bind(0) instead, which can race with other"
                + " test JVMs on this host");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing held
            }
        }
    }

    static final class Block {
        final int start;
        final int end;
        final Path lockFile;
        // kept reachable for the JVM's life: an unreachable channel is closed by its cleaner, releasing the lock
        final FileLock lock;
        int cursor;

        Block(int start, int end, Path lockFile, FileLock lock) {
            this.start = start;
            this.end = end;
            this.lockFile = lockFile;
            this.lock = lock;
            this.cursor = start;
        }
    }
}
