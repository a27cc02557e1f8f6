package io.pgha.testkit.server;

import io.pgha.testkit.TempDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real ZooKeeper server from Debian's {@code zookeeper} package ({@code /usr/share/java/zookeeper.jar}), run as a
 * child JVM on a free loopback port, for integration tests.
 *
 * <p>The client port is picked when the instance is created and kept for its whole life, and the data directory
 * lives in a temporary directory: {@link #stop()} and {@link #restart()} keep both, so a test can take the store away
 * and bring the same one back (same znodes; sessions that have not expired meanwhile survive, as ZooKeeper keeps
 * them in its data). {@link #pause()} freezes the process (SIGSTOP) without closing its sockets, which is how a hung
 * server looks. Readiness is ZooKeeper's {@code srvr} four-letter command answering with a {@code Mode:} line.
 *
 * <p>The server runs with a short tick ({@code tickTime}, default 200 ms) so that session expiry is prompt, and
 * with a session-timeout window wide enough for any ttl a test uses (ZooKeeper's default window is 2 to 20 ticks).
 *
 * <p>A missing package is a test failure, never a skip: the exception says to {@code apt-get install zookeeper}.
 * Only the process this class started is ever signalled, always by pid. Not thread-safe: drive one instance from
 * one test thread.
 *
 * @since 1.0
 */
public final class ZooKeeperProcess implements AutoCloseable {

    /** Where Debian's {@code zookeeper} package installs the server; {@code -Dpgha.zookeeper.jar=...} overrides it. */
    public static final String DEFAULT_JAR = "/usr/share/java/zookeeper.jar";
    /** The logging jars Debian's server needs (it logs through slf4j to log4j 1.2). */
    private static final List<String> LOGGING_JARS = List.of("/usr/share/java/slf4j-log4j12.jar",
            "/usr/share/java/log4j-1.2.jar");
    private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path jar;
    private final Path baseDir;
    private final boolean ownsBaseDir;
    private final Path confDir;
    private final Path dataDir;
    private final Path logFile;
    private final int clientPort;
    private final Duration tickTime;
    private final Duration startTimeout;

    private Process process;
    private boolean paused;

    private ZooKeeperProcess(Builder b, int clientPort) {
        this.jar = b.jar;
        this.baseDir = b.baseDir;
        this.ownsBaseDir = b.ownsBaseDir;
        this.clientPort = clientPort;
        this.confDir = baseDir.resolve("conf");
        this.dataDir = baseDir.resolve("data");
        this.logFile = baseDir.resolve("zookeeper.log");
        this.tickTime = b.tickTime;
        this.startTimeout = b.startTimeout;
    }

    /** Starts a standalone server with defaults and waits until it serves clients. */
    public static ZooKeeperProcess start() {
        ZooKeeperProcess zk = builder().build();
        zk.startAndWait();
        return zk;
    }

    /** Options; {@link Builder#build()} creates the instance without starting it. */
    public static Builder builder() {
        return new Builder();
    }

    /** Launches the process (first start or a restart on the same port and data) and waits until it serves. */
    public void startAndWait() {
        launch();
        awaitServing(startTimeout);
    }

    /** Same as {@link #startAndWait()}; reads better after {@link #stop()}. */
    public void restart() {
        startAndWait();
    }

    /**
     * Launches the process without waiting. Fails if it is already running.
     *
     * @throws IllegalStateException when Debian's ZooKeeper is not installed
     */
    public synchronized void launch() {
        if (isRunning()) {
            throw new IllegalStateException("ZooKeeper on port " + clientPort + " is already running (pid " + process.pid() + ")");
        }
        List<String> classpath = new ArrayList<>();
        classpath.add(confDir.toString());
        classpath.add(jar.toString());
        classpath.addAll(LOGGING_JARS);
        List<String> missing = Stream.concat(Stream.of(jar.toString()), LOGGING_JARS.stream())
                .filter(p -> !Files.isRegularFile(Path.of(p))).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Debian's ZooKeeper server is not installed (missing " + missing
                    + "): run `apt-get install zookeeper` (it brings " + String.join(" and ", LOGGING_JARS) + ")");
        }
        try {
            Files.createDirectories(confDir);
            Files.createDirectories(dataDir);
            Files.writeString(confDir.resolve("zoo.cfg"), config(), StandardCharsets.UTF_8);
            Files.writeString(confDir.resolve("log4j.properties"), String.join("\n",
                    "log4j.rootLogger=INFO, CONSOLE",
                    "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender",
                    "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout",
                    "log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n", ""),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ZooKeeper's configuration in " + confDir, e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        // a small, quickly started JVM: the tests share two cores
        cmd.addAll(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Dzookeeper.log.dir=" + baseDir, "-Dzookeeper.root.logger=INFO,CONSOLE",
                "-Dzookeeper.jmx.log4j.disable=true",
                "-cp", String.join(":", classpath),
                "org.apache.zookeeper.server.quorum.QuorumPeerMain", confDir.resolve("zoo.cfg").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            process = pb.start();
            paused = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start ZooKeeper: " + String.join(" ", cmd), e);
        }
    }

    private String config() {
        long tick = tickTime.toMillis();
        return String.join("\n",
                "tickTime=" + tick,
                "dataDir=" + dataDir,
                "clientPort=" + clientPort,
                "clientPortAddress=127.0.0.1",
                // any ttl a test uses becomes the session timeout unchanged
                "minSessionTimeout=" + Math.max(2 * tick, 100),
                "maxSessionTimeout=" + Duration.ofMinutes(10).toMillis(),
                "admin.enableServer=false",
                "4lw.commands.whitelist=srvr,ruok,mntr",
                "maxClientCnxns=0",
                "");
    }

    /**
     * Waits until the server answers {@code srvr} with a {@code Mode:} line.
     *
     * @throws IllegalStateException with the log's tail when it dies or does not come up in time
     */
    public void awaitServing(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            synchronized (this) {
                if (process == null || !isAlive(process)) {
                    throw new IllegalStateException("ZooKeeper on port " + clientPort + " exited"
                            + (process == null ? "" : " with status " + exitStatus(process)) + "; log:\n" + logTail(40));
                }
            }
            if (fourLetterWord("srvr", Duration.ofMillis(500)).contains("Mode:")) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("ZooKeeper on port " + clientPort + " did not serve within "
                        + timeout.toMillis() + " ms; log:\n" + logTail(40));
            }
            pace(Duration.ofMillis(50));
        }
    }

    /**
     * Sends a four-letter command ({@code srvr}, {@code ruok}, {@code mntr}) and returns the answer, or {@code ""}
     * when the server does not answer within {@code timeout}.
     */
    public String fourLetterWord(String command, Duration timeout) {
        try (Socket s = new Socket()) {
            int ms = (int) Math.max(1, timeout.toMillis());
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), clientPort), ms);
            s.setSoTimeout(ms);
            OutputStream out = s.getOutputStream();
            out.write(command.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Stops the server (SIGTERM, then SIGKILL after 10 s) and waits until the process is gone; data and port are
     * kept for {@link #restart()}. A paused process is continued first so that it can handle the signal.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        if (paused) {
            resume();
        }
        process.destroy();
        if (!awaitExit(process, STOP_TIMEOUT)) {
            process.destroyForcibly();
            awaitExit(process, STOP_TIMEOUT);
        }
        process = null;
    }

    /** Kills the process at once (SIGKILL), as a crash; port and data are kept. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        awaitExit(process, STOP_TIMEOUT);
        process = null;
        paused = false;
    }

    /** Freezes the process with SIGSTOP: its sockets stay open but nothing answers. */
    public synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    /** Continues a {@link #pause() paused} process with SIGCONT. */
    public synchronized void resume() {
        signal("CONT");
        paused = false;
    }

    private void signal(String name) {
        if (process == null || !isAlive(process)) {
            throw new IllegalStateException("ZooKeeper on port " + clientPort + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling ZooKeeper", e);
        }
    }

    /** Whether the process is alive (a reaped or zombie child counts as dead). */
    public synchronized boolean isRunning() {
        return process != null && isAlive(process);
    }

    public synchronized boolean isPaused() {
        return paused;
    }

    /** The running process's pid. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("ZooKeeper on port " + clientPort + " is not running");
        }
        return process.pid();
    }

    /** {@code 127.0.0.1:<port>}, the form ZooKeeper connect strings and Patroni's {@code hosts} take. */
    public String connectString() {
        return "127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    public Duration tickTime() {
        return tickTime;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    /** The last {@code lines} lines of the server's log, for failure messages. */
    public String logTail(int lines) {
        try {
            if (!Files.exists(logFile)) {
                return "(no log yet)";
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - lines), all.size()).stream().collect(Collectors.joining("\n"));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Stops the process and deletes its directory if this instance created it. Never throws. */
    @Override
    public void close() {
        try {
            stop();
        } catch (RuntimeException e) {
            synchronized (this) {
                if (process != null) {
                    process.destroyForcibly();
                    process = null;
                }
            }
        }
        if (ownsBaseDir) {
            TempDirectories.deleteTree(baseDir);
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperProcess[" + connectString() + ", " + baseDir + "]";
    }

    private static boolean isAlive(Process p) {
        if (!p.isAlive()) {
            return false;
        }
        // an exited but not yet reaped child is a zombie: dead for our purposes
        try {
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return p.isAlive();
        }
    }

    private static boolean awaitExit(Process p, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive(p)) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                p.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isAlive(p);
            }
        }
        return true;
    }

    private static String exitStatus(Process p) {
        try {
            return Integer.toString(p.exitValue());
        } catch (IllegalThreadStateException e) {
            return "unknown";
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .filter(c -> c.endsWith("/java"))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Pacing between readiness probes; not synchronisation. */
    private static void pace(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for ZooKeeper", e);
        }
    }

    private static int freePort() {
        return LoopbackPorts.next();
    }

    /** Options for one server. */
    public static final class Builder {
        private Path jar = Path.of(System.getProperty("pgha.zookeeper.jar", DEFAULT_JAR));
        private Path baseDir;
        private boolean ownsBaseDir;
        private int clientPort;
        private Duration tickTime = Duration.ofMillis(200);
        private Duration startTimeout = DEFAULT_START_TIMEOUT;

        private Builder() {
        }

        /** Where the configuration, data and log go (default: a new temporary directory, deleted on close). */
        public Builder baseDir(Path baseDir) {
            this.baseDir = Objects.requireNonNull(baseDir, "baseDir is null");
            return this;
        }

        /** The server jar (default {@value #DEFAULT_JAR}). */
        public Builder jar(Path jar) {
            this.jar = Objects.requireNonNull(jar, "jar is null");
            return this;
        }

        /** A fixed client port (default: a free one). */
        public Builder clientPort(int clientPort) {
            this.clientPort = clientPort;
            return this;
        }

        /** ZooKeeper's tick: the granularity of session expiry (default 200 ms). */
        public Builder tickTime(Duration tickTime) {
            this.tickTime = Objects.requireNonNull(tickTime, "tickTime is null");
            return this;
        }

        /** How long {@link ZooKeeperProcess#startAndWait()} waits for the server (default 30 s). */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout is null");
            return this;
        }

        /** Picks the port and directory; does not start anything. */
        public ZooKeeperProcess build() {
            if (baseDir == null) {
                try {
                    baseDir = Files.createTempDirectory("pgha-zookeeper-");
                    ownsBaseDir = true;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a temporary directory", e);
                }
            }
            return new ZooKeeperProcess(this, clientPort > 0 ? clientPort : freePort());
        }
    }
}
