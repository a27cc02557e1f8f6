package io.pgha.dcs.consul;

import io.pgha.testkit.server.LoopbackPorts;
import java.io.File;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Consul server agent for the contract kit, where one can be had: a {@code consul} binary on the PATH (or
 * {@code -Dpgha.consul.binary=...}), else Docker through its CLI when {@code docker info} answers. None of these
 * exist on the CI machine (no Consul package in any reachable registry, no Docker daemon), so there the real-agent
 * run is skipped and the stand-in run is the coverage; see {@link RealConsulContractIT}.
 *
 * <p>One server with {@code -bootstrap-expect 1}, a data directory kept across {@link #stop()} / {@link #start()} (the
 * kit's failure group expects the same data back), loopback only, {@code session_ttl_min} lowered to 1 s so that the
 * kit's short ttl is accepted. Only the process or container this class started is ever stopped: the process by its
 * handle, the container by its id.
 */
final class RealConsulAgent implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String IMAGE = System.getProperty("pgha.consul.image", "hashicorp/consul:1.20");

    private final Optional<Path> binary;
    private final int httpPort;
    private final Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private Process process;
    private String containerId;

    private RealConsulAgent(Optional<Path> binary) {
        this.binary = binary;
        this.httpPort = freePort();
        try {
            this.dir = Files.createTempDirectory("pgha-consul-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A consul binary on the PATH, if there is one. */
    static Optional<Path> binaryOnPath() {
        String configured = System.getProperty("pgha.consul.binary");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "consul");
            if (!d.isEmpty() && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Whether a Docker daemon answers {@code docker info} within a few seconds. */
    static boolean dockerAvailable() {
        try {
            Process p = new ProcessBuilder("docker", "info").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean available() {
        return binaryOnPath().isPresent() || dockerAvailable();
    }

    static RealConsulAgent launch() {
        RealConsulAgent a = new RealConsulAgent(binaryOnPath());
        a.start();
        return a;
    }

    String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    synchronized void start() {
        try {
            if (binary.isPresent()) {
                startProcess();
            } else if (containerId != null) {
                run(List.of("docker", "start", containerId));
            } else {
                containerId = run(List.of("docker", "run", "-d", "-p", "127.0.0.1:" + httpPort + ":8500", IMAGE,
                        "agent", "-server", "-bootstrap-expect", "1", "-client", "0.0.0.0", "-data-dir", "/consul/data",
                        "-hcl", "session_ttl_min = \"1s\"")).strip();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitLeader();
    }

    private void startProcess() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary.get().toString(), "agent", "-server", "-bootstrap-expect",
                "1", "-node", "pgha-it", "-bind", "127.0.0.1", "-client", "127.0.0.1", "-data-dir",
                dir.resolve("data").toString(), "-http-port", Integer.toString(httpPort), "-dns-port", "-1",
                "-grpc-port", "-1", "-serf-lan-port", Integer.toString(freePort()), "-serf-wan-port",
                Integer.toString(freePort()), "-server-port", Integer.toString(freePort()), "-hcl",
                "session_ttl_min = \"1s\""));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("consul.log").toFile())).start();
    }

    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private void awaitLeader() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        HttpRequest req = HttpRequest.newBuilder(URI.create(url() + "/v1/status/leader"))
                .timeout(Duration.ofSeconds(1)).build();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && r.body().contains(":")) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for Consul", e);
            }
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("consul exited with " + process.exitValue() + "; see "
                        + dir.resolve("consul.log"));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for Consul", e);
            }
        }
        throw new IllegalStateException("Consul at " + url() + " elected no leader within " + START_TIMEOUT + ": " + last);
    }

    synchronized void stop() {
        try {
            if (process != null) {
                process.destroy();
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                process = null;
            } else if (containerId != null) {
                run(List.of("docker", "stop", "-t", "10", containerId));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        stop();
        if (containerId != null) {
            try {
                run(List.of("docker", "rm", "-f", containerId));
            } catch (IOException | RuntimeException e) {
                // best effort: the container is stopped already
            }
        }
    }

    @Override
    public String toString() {
        return "real Consul at " + url() + (binary.map(b -> " (" + b + ")").orElse(" (docker " + IMAGE + ")"));
    }

    private static int freePort() {
        return LoopbackPorts.next();
    }
}
