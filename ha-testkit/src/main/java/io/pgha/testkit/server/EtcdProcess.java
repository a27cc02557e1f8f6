package io.pgha.testkit.server;

import io.pgha.testkit.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real etcd server ({@code /usr/bin/etcd}, Debian package {@code etcd-server}) run as a child process on loopback,
 * for integration tests.
 *
 * <p>Each member gets free client, peer and metrics ports, picked when it is created and kept for its whole life, and
 * a data directory in a temporary directory. {@link #stop()} and {@link #startAndWait()} keep both, so a test can take the
 * store away and bring the same one back (same revision, same keys, leases renewed by etcd on start-up) as a client
 * sees it when a server is restarted. {@link #pause()} freezes the process (SIGSTOP) without closing its sockets,
 * which is how a hung server looks. Readiness is etcd's own {@code /health} on the plain-HTTP metrics port, which
 * answers {@code true} only once the member sees a raft leader, whether or not the client port uses TLS.
 *
 * <p>A missing binary is a test failure, never a skip: the exception says which package to install.
 *
 * <p>Only processes this class started are ever signalled, always by pid. Not thread-safe: drive one instance from
 * one test thread.
 */
public final class EtcdProcess implements AutoCloseable {

    /** The binary Debian's {@code etcd-server} installs; {@code -Dpgha.etcd.binary=...} overrides it. */
    public static final String DEFAULT_BINARY = "/usr/bin/etcd";

    private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path binary;
    private final String name;
    private final Path baseDir;
    private final boolean ownsBaseDir;
    private final boolean sharedTempBaseDir;
    private final Path dataDir;
    private final Path logFile;
    private final int clientPort;
    private final int peerPort;
    private final int metricsPort;
    private final Tls tls;
    private final Duration startTimeout;
    private final List<String> extraArgs;
    private volatile String initialCluster;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private Process process;
    private boolean paused;
    private boolean startedOnce;

    private EtcdProcess(Builder b, Ports ports) {
        this.binary = b.binary;
        this.baseDir = b.baseDir;
        this.ownsBaseDir = b.ownsBaseDir;
        this.sharedTempBaseDir = b.sharedTempBaseDir;
        this.clientPort = ports.client;
        this.peerPort = ports.peer;
        this.metricsPort = ports.metrics;
        this.name = b.name != null ? b.name : "etcd-" + clientPort;
        this.dataDir = baseDir.resolve(name + ".data");
        this.logFile = baseDir.resolve(name + ".log");
        this.tls = b.tls;
        this.startTimeout = b.startTimeout;
        this.extraArgs = List.copyOf(b.extraArgs);
        this.initialCluster = name + "=" + peerUrl();
    }

    /** Starts a single-member etcd with defaults and waits until it is healthy. */
    public static EtcdProcess start() {
        EtcdProcess etcd = builder().build();
        etcd.startAndWait();
        return etcd;
    }

    /** Options for one member; {@link Builder#build()} creates it without starting it. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a cluster of {@code size} members (peers on loopback, one shared temporary directory) and waits until
     * every member is healthy. Closing a member deletes its own data; the shared directory goes once it is empty.
     */
    public static List<EtcdProcess> startCluster(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("cluster size must be at least 1, got " + size);
        }
        Path dir = tempDir("etcd-cluster-");
        List<EtcdProcess> members = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                Builder b = builder().name("m" + i).baseDir(dir);
                b.sharedTempBaseDir = true;
                members.add(b.build());
            }
            String initial = members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
            for (EtcdProcess m : members) {
                m.initialCluster = initial;
                m.launch();
            }
            for (EtcdProcess m : members) {
                m.awaitHealthy(m.startTimeout);
            }
            return members;
        } catch (RuntimeException e) {
            members.forEach(EtcdProcess::close);
            throw e;
        }
    }

    /** Launches the process (first start or a restart on the same ports and data) and waits until it is healthy. */
    public void startAndWait() {
        launch();
        awaitHealthy(startTimeout);
    }

    /** Same as {@link #startAndWait()}; reads better after {@link #stop()}. */
    public void restart() {
        if (isRunning()) {
            stop();
        }
        startAndWait();
    }

    /**
     * Starts the process without waiting for health: in a cluster a lone member cannot become healthy until a quorum
     * of its peers runs too.
     */
    public synchronized void launch() {
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running as pid " + process.pid());
        }
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("etcd binary " + binary + " not found or not executable: install it with "
                    + "'apt-get install etcd-server' (Debian/Ubuntu), or point -Dpgha.etcd.binary at an etcd 3.4+ binary");
        }
        List<String> cmd = new ArrayList<>(List.of(binary.toString(),
                "--name", name,
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", clientUrl(),
                "--advertise-client-urls", clientUrl(),
                "--listen-peer-urls", peerUrl(),
                "--initial-advertise-peer-urls", peerUrl(),
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", "pgha-test-" + baseDir.getFileName(),
                "--listen-metrics-urls", metricsUrl(),
                "--logger", "zap",
                "--log-outputs", "stderr"));
        if (tls != null) {
            cmd.addAll(List.of("--cert-file", tls.certFile.toString(), "--key-file", tls.keyFile.toString()));
            if (tls.trustedCaFile != null) {
                cmd.addAll(List.of("--trusted-ca-file", tls.trustedCaFile.toString()));
            }
            if (tls.clientCertAuth) {
                cmd.add("--client-cert-auth");
            }
        }
        cmd.addAll(extraArgs);
        try {
            Files.createDirectories(baseDir);
            Files.writeString(logFile, "---- " + String.join(" ", cmd) + System.lineSeparator(), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            paused = false;
            startedOnce = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary + " (install it with 'apt-get install etcd-server')", e);
        }
    }

    /**
     * Waits until {@code /health} says {@code true}.
     *
     * @throws IllegalStateException with the end of etcd's log when the process exits or the timeout passes first
     */
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest request = HttpRequest.newBuilder(URI.create(metricsUrl() + "/health"))
                .timeout(Duration.ofSeconds(1)).GET().build();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            Process p = process;
            if (p == null || !p.isAlive()) {
                throw new IllegalStateException(name + " exited (code " + (p == null ? "-" : p.exitValue())
                        + ") before becoming healthy; log tail:\n" + logTail(40));
            }
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && r.body().replace(" ", "").contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            // Polling interval of a readiness probe, not synchronisation: the loop re-checks the condition.
            sleep(Duration.ofMillis(50));
        }
        throw new IllegalStateException(name + " not healthy within " + timeout + " (last /health: " + last
                + "); log tail:\n" + logTail(40));
    }

    /**
     * Stops the process gracefully (SIGTERM, then SIGKILL after 10 s), keeping ports and data for {@link #startAndWait()}.
     * A paused process is continued first, because a stopped process does not act on SIGTERM.
     */
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        if (paused) {
            resume();
        }
        p.destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        process = null;
    }

    /** Kills the process at once (SIGKILL), as a crash; ports and data are kept. */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        paused = false;
        process = null;
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

    private void signal(String sig) {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid()))
                    .redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + sig + " " + p.pid() + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + sig, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + name, e);
        }
    }

    /** Whether the process is alive (a reaped or zombie child counts as dead). */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized boolean isPaused() {
        return paused && isRunning();
    }

    /** The running process's pid. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return process.pid();
    }

    public String name() {
        return name;
    }

    /** {@code http://127.0.0.1:<port>} (or {@code https} with TLS). */
    public String clientUrl() {
        return (tls != null ? "https" : "http") + "://127.0.0.1:" + clientPort;
    }

    /** {@code 127.0.0.1:<port>}, the form Patroni's {@code host}/{@code hosts} take. */
    public String hostPort() {
        return "127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    public int peerPort() {
        return peerPort;
    }

    public int metricsPort() {
        return metricsPort;
    }

    public String peerUrl() {
        return "http://127.0.0.1:" + peerPort;
    }

    /** Plain-HTTP URL serving {@code /health} and {@code /metrics}. */
    public String metricsUrl() {
        return "http://127.0.0.1:" + metricsPort;
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
                return "(no log)";
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Stops the process and deletes its data directory and log (and the temporary directory if it owns it). */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            TempDirectories.deleteTree(dataDir);
            try {
                Files.deleteIfExists(logFile);
            } catch (IOException e) {
                // best effort: a temp file left behind is harmless
            }
            if (ownsBaseDir) {
                TempDirectories.deleteTree(baseDir);
            } else if (sharedTempBaseDir) {
                try {
                    Files.deleteIfExists(baseDir);
                } catch (IOException e) {
                    // other members still use it; the last one to close removes it
                }
            }
        }
    }

    @Override
    public String toString() {
        return "EtcdProcess[" + name + " " + clientUrl() + (startedOnce ? "" : " never started") + "]";
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    /** Three distinct free loopback ports. */
    private static Ports freePorts() {
        return new Ports(LoopbackPorts.next(), LoopbackPorts.next(), LoopbackPorts.next());
    }

    private record Ports(int client, int peer, int metrics) {
    }

    private record Tls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth) {
    }

    /** Options for one etcd member. */
    public static final class Builder {
        private Path binary = Path.of(System.getProperty("pgha.etcd.binary", DEFAULT_BINARY));
        private String name;
        private Path baseDir;
        private boolean ownsBaseDir;
        private boolean sharedTempBaseDir;
        private Tls tls;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private final List<String> extraArgs = new ArrayList<>();

        private Builder() {
        }

        /** The member name (default {@code etcd-<client port>}); unique within a cluster. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name is null");
            return this;
        }

        /** Where the data directory and log go (default: a new temporary directory, deleted on close). */
        public Builder baseDir(Path baseDir) {
            this.baseDir = Objects.requireNonNull(baseDir, "baseDir is null");
            return this;
        }

        public Builder binary(Path binary) {
            this.binary = Objects.requireNonNull(binary, "binary is null");
            return this;
        }

        /**
         * Serves the client port over TLS with these PEM files.
         *
         * @param trustedCaFile CA for client certificates, or {@code null}
         * @param clientCertAuth whether clients must present a certificate signed by {@code trustedCaFile}
         */
        public Builder clientTls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth) {
            this.tls = new Tls(Objects.requireNonNull(certFile, "certFile is null"),
                    Objects.requireNonNull(keyFile, "keyFile is null"), trustedCaFile, clientCertAuth);
            return this;
        }

        /** How long {@link EtcdProcess#startAndWait()} waits for health (default 30 s). */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout is null");
            return this;
        }

        /** More command-line flags, appended last. */
        public Builder extraArgs(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        /** Picks the ports and directories; does not start anything. */
        public EtcdProcess build() {
            if (baseDir == null) {
                baseDir = tempDir("etcd-");
                ownsBaseDir = true;
            }
            return new EtcdProcess(this, freePorts());
        }
    }
}
