package io.pgha.distribution.harness;

import io.pgha.testkit.server.LoopbackPorts;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private HAProxy (Debian {@code haproxy}) in front of a test cluster, configured like the distribution's
 * {@code conf/haproxy.cfg}: a read-write listener whose servers pass {@code OPTIONS /primary}, a read-only listener
 * whose servers pass {@code OPTIONS /replica}, both also asking each member's agent-check port, and a stats page on
 * loopback. Runs in the foreground ({@code -db}) as a child of the test JVM and is stopped by its own pid.
 */
public final class Haproxy implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/haproxy");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final Process process;
    private final Path log;
    private final int primaryPort;
    private final int replicaPort;
    private final int statsPort;

    private Haproxy(Process process, Path log, int primaryPort, int replicaPort, int statsPort) {
        this.process = process;
        this.log = log;
        this.primaryPort = primaryPort;
        this.replicaPort = replicaPort;
        this.statsPort = statsPort;
    }

    /** Writes the configuration for {@code members} into {@code dir} and starts HAProxy on free loopback ports. */
    public static Haproxy start(List<ClusterMember> members, Path dir) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install Debian's haproxy (.ci/run does)");
        }
        int primary = freePort();
        int replica = freePort();
        int stats = freePort();
        Path cfg = dir.resolve("haproxy.cfg");
        Path log = dir.resolve("haproxy.log");
        try {
            Files.createDirectories(dir);
            Files.writeString(cfg, config(members, primary, replica, stats), StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(BINARY.toString(), "-db", "-f", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            Haproxy h = new Haproxy(p, log, primary, replica, stats);
            Waits.awaitTrue("HAProxy's stats page answers", Waits.seconds(15), () -> h.stats().size() > 0,
                    h::logTail);
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start HAProxy with " + cfg, e);
        }
    }

    /** The configuration: the distribution's template with this cluster's ports filled in. */
    static String config(List<ClusterMember> members, int primary, int replica, int stats) {
        StringBuilder b = new StringBuilder();
        b.append("global\n    maxconn 200\n\n");
        b.append("defaults\n    mode tcp\n    retries 2\n    timeout connect 2s\n    timeout client 30m\n"
                + "    timeout server 30m\n    timeout check 2s\n\n");
        b.append("listen stats\n    mode http\n    bind 127.0.0.1:").append(stats)
                .append("\n    stats enable\n    stats uri /\n\n");
        listener(b, "pg_primary", primary, "/primary", "primary", members);
        listener(b, "pg_replicas", replica, "/replica", "replica", members);
        return b.toString();
    }

    private static void listener(StringBuilder b, String name, int port, String check, String agentSend,
            List<ClusterMember> members) {
        b.append("listen ").append(name).append("\n    bind 127.0.0.1:").append(port)
                .append("\n    option httpchk OPTIONS ").append(check)
                .append("\n    http-check expect status 200")
                .append("\n    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions")
                .append("\n");
        if (agentSend.equals("replica")) {
            b.append("    balance roundrobin\n");
        }
        for (ClusterMember m : members) {
            b.append("    server ").append(m.name()).append(" 127.0.0.1:").append(m.pgPort())
                    .append(" maxconn 100 check port ").append(m.restPort())
                    .append(" agent-check agent-addr 127.0.0.1 agent-port ").append(m.agentCheckPort())
                    .append(" agent-inter 1s agent-send \"").append(agentSend).append("\\n\"\n");
        }
        b.append('\n');
    }

    public int primaryPort() {
        return primaryPort;
    }

    public int replicaPort() {
        return replicaPort;
    }

    /** {@code listener/server} to the server's status as HAProxy shows it ({@code UP}, {@code MAINT}, ...). */
    public Map<String, String> stats() {
        Map<String, String> out = new HashMap<>();
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort
                    + "/;csv")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            String[] lines = r.body().split("\n");
            if (r.statusCode() != 200 || lines.length == 0 || !lines[0].startsWith("# ")) {
                return out;
            }
            List<String> header = List.of(lines[0].substring(2).split(",", -1));
            int px = header.indexOf("pxname");
            int sv = header.indexOf("svname");
            int status = header.indexOf("status");
            for (int i = 1; i < lines.length; i++) {
                String[] f = lines[i].split(",", -1);
                if (f.length > status && !f[sv].equals("FRONTEND") && !f[sv].equals("BACKEND")) {
                    out.put(f[px] + "/" + f[sv], f[status]);
                }
            }
        } catch (IOException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no HAProxy log: " + e + ")";
        }
    }

    private static int freePort() {
        return LoopbackPorts.next();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
