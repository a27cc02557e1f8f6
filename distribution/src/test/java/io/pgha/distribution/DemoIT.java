package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.Waits;
import io.pgha.engine.demo.ClusterView;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/pgha demo} end to end, as a user runs it: three members on the embedded ZooKeeper quorum come up with
 * one leader and two streaming replicas, a second demo on the same base directory is refused at once, SIGTERM stops
 * every member (agents and PostgreSQL), and a rerun reuses the data and ports, deleting everything with
 * {@code --clean}.
 */
@DisplayName("pgha demo")
class DemoIT {
    private static final String UP_MARKER = "pgha demo: cluster 'demo' is up";

    @TempDir
    Path tmp;

    private final List<Process> demos = new ArrayList<>();
    private final List<Long> memberPids = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Path base;
    private int restPort;
    private int pgPort;

    @AfterEach
    void stopLeftovers() {
        // only what this test started: its demo processes, then the agents and postmasters whose pids it recorded
        for (Process p : demos) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        for (long pid : memberPids) {
            if (Procs.alive(pid)) {
                Procs.signal(pid, Procs.Sig.KILL);
            }
        }
    }

    @Test
    @DisplayName("starts 3 members, refuses a second demo, stops everything on SIGTERM, reruns on its data, --clean")
    void demo() throws Exception {
        // PostgreSQL runs as postgres (we are root): it must be able to enter the temporary directory
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        base = tmp.resolve("demo");
        restPort = consecutiveFreePorts(3);
        do {
            pgPort = consecutiveFreePorts(3);
        } while (Math.abs(pgPort - restPort) < 3);

        // --- first run: the table, then the cluster as the REST API shows it
        Run first = start("first");
        List<String> table = awaitUp(first);
        assertTrue(table.stream().anyMatch(l -> l.matches(
                "\\| Member +\\| Role +\\| State +\\| TL +\\| Lag +\\| REST +\\| PostgreSQL +\\|")), String.join("\n", table));
        for (int i = 0; i < 3; i++) {
            String row = "| pg" + (i + 1) + " ";
            String line = table.stream().filter(l -> l.startsWith(row)).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for pg" + row + " in\n" + String.join("\n", table)));
            assertTrue(line.contains("127.0.0.1:" + (restPort + i)), line);
        }
        ClusterView view = clusterView();
        assertEquals(List.of("pg1", "pg2", "pg3"), view.rows().stream().map(ClusterView.Row::name).toList());
        assertEquals(1, view.rows().stream().filter(r -> r.role().equals("leader")).count(), view.toString());
        assertEquals(2, view.rows().stream().filter(r -> r.role().equals("replica") && r.state().equals("streaming"))
                .count(), view.toString());
        String leader = view.rows().stream().filter(r -> r.role().equals("leader")).findFirst().orElseThrow().name();
        List<String> primaries = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (options(restPort + i, "/primary") == 200) {
                primaries.add("pg" + (i + 1));
            }
        }
        assertEquals(List.of(leader), primaries, "members answering 200 to OPTIONS /primary");
        List<Long> agents = agentPids();
        List<Long> postmasters = postmasterPids();
        assertEquals(3, agents.size());
        assertEquals(3, postmasters.size());

        // --- a second demo on the same base directory fails at once and starts nothing
        Run second = start("second");
        assertTrue(second.process().waitFor(Waits.seconds(30).toMillis(), TimeUnit.MILLISECONDS),
                "the second demo did not exit within 30 s:\n" + second.output());
        assertEquals(1, second.process().exitValue(), second.output());
        assertTrue(second.err().contains("another pgha demo is already running on " + base), second.output());
        assertEquals(agents, agentPids(), "the second demo left the members alone");

        // --- SIGTERM: every agent and every PostgreSQL ends, the data stays
        stop(first, agents, postmasters);
        for (int i = 1; i <= 3; i++) {
            assertFalse(Files.exists(base.resolve("pg" + i + "/agent.pid")), "agent.pid of pg" + i + " removed");
            assertTrue(Files.isDirectory(base.resolve("pg" + i + "/data")), "data of pg" + i + " kept");
        }

        // --- a rerun comes up on the same data and ports; with --clean, stopping deletes the base directory
        Run rerun = start("rerun", "--clean");
        List<String> table2 = awaitUp(rerun);
        for (int i = 0; i < 3; i++) {
            String row = "| pg" + (i + 1) + " ";
            String line = table2.stream().filter(l -> l.startsWith(row)).findFirst().orElseThrow();
            assertTrue(line.contains("127.0.0.1:" + (restPort + i)), line);
        }
        long bootstraps = 0;
        for (int i = 1; i <= 3; i++) {
            bootstraps += Files.readString(base.resolve("pg" + i + "/agent.log")).lines()
                    .filter(l -> l.contains("initialized a new cluster") && !l.contains(" journal ")).count();
        }
        assertEquals(1, bootstraps, "the rerun used the data of the first run instead of bootstrapping again");
        stop(rerun, agentPids(), postmasterPids());
        assertFalse(Files.exists(base), "--clean deletes the base directory:\n" + rerun.output());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private record Run(Process process, Path stdout, Path stderr) {
        String out() {
            return read(stdout);
        }

        String err() {
            return read(stderr);
        }

        String output() {
            return "---- stdout ----\n" + out() + "---- stderr ----\n" + err();
        }

        private static String read(Path p) {
            try {
                return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }

    private Run start(String label, String... extra) throws IOException {
        Path home = Path.of(System.getProperty("pgha.it.home", "target/pgha")).toAbsolutePath();
        Path bin = home.resolve("bin/pgha");
        assertTrue(Files.isExecutable(bin), bin + " is missing: build the distribution first (mvn install)");
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), "demo", "--base-dir", base.toString(),
                "--rest-port", Integer.toString(restPort), "--pg-port", Integer.toString(pgPort),
                "--start-timeout", Long.toString(Waits.seconds(240).toSeconds())));
        cmd.addAll(List.of(extra));
        Path out = tmp.resolve(label + ".out");
        Path err = tmp.resolve(label + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("PGHA_PLUGINS_DIR");
        Process p = pb.start();
        demos.add(p);
        return new Run(p, out, err);
    }

    /** Waits for the demo to say the cluster is up; returns its table's lines. */
    private List<String> awaitUp(Run run) throws IOException {
        boolean up = Waits.poll(Waits.seconds(300), () -> run.out().contains(UP_MARKER) || !run.process().isAlive());
        if (!up || !run.out().contains(UP_MARKER)) {
            fail("the demo did not come up" + (run.process().isAlive() ? "" : " (it exited with "
                    + run.process().exitValue() + ")") + ":\n" + run.output() + logTails());
        }
        // the pids are known now: whatever happens next, the clean-up can reach them
        memberPids.addAll(agentPids());
        memberPids.addAll(postmasterPids());
        return run.out().lines().filter(l -> l.startsWith("|") || l.startsWith("+")).toList();
    }

    private void stop(Run run, List<Long> agents, List<Long> postmasters) throws InterruptedException {
        run.process().destroy(); // SIGTERM
        boolean ended = run.process().waitFor(Waits.seconds(120).toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(ended, "the demo did not exit within 120 s of SIGTERM:\n" + run.output());
        List<Long> all = new ArrayList<>(agents);
        all.addAll(postmasters);
        boolean gone = Waits.poll(Waits.seconds(30), () -> all.stream().noneMatch(Procs::alive));
        assertTrue(gone, "still running after the demo stopped: " + all.stream().filter(Procs::alive)
                .map(pid -> pid + " " + Procs.cmdline(pid)).toList() + "\n" + run.output());
        assertTrue(run.out().contains("pgha demo: all members stopped"), run.output());
    }

    private List<Long> agentPids() {
        List<Long> out = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            firstLineNumber(base.resolve("pg" + i + "/agent.pid")).ifPresent(out::add);
        }
        return out;
    }

    private List<Long> postmasterPids() {
        List<Long> out = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Path data = base.resolve("pg" + i + "/data");
            // checked against the data directory: a stale pid file could name a recycled pid
            firstLineNumber(data.resolve("postmaster.pid")).filter(pid -> Procs.cmdline(pid).contains(data.toString()))
                    .ifPresent(out::add);
        }
        return out;
    }

    private static Optional<Long> firstLineNumber(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readAllLines(file).get(0).trim()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private ClusterView clusterView() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/cluster"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return ClusterView.parse(r.body());
    }

    private int options(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String logTails() {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            Path log = base.resolve("pg" + i + "/agent.log");
            try {
                List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
                b.append("\n---- ").append(log).append(" (last 30 lines) ----\n");
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> b.append(l).append('\n'));
            } catch (IOException e) {
                b.append("(cannot read ").append(log).append(")\n");
            }
        }
        return b.toString();
    }

    /**
     * The first of {@code n} consecutive loopback ports that are free now, from this JVM's block: the rerun takes the
     * same ports again, and no other test may take them between the runs.
     */
    private static int consecutiveFreePorts(int n) {
        return LoopbackPorts.consecutive(n);
    }
}
