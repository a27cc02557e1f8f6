package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.Waits;
import io.pgha.testkit.TempDirectories;
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
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The release tarball as a user gets it: unpacked into an empty directory, run with nothing but a JRE and
 * PostgreSQL — no Maven repository, no build tree, no PGHA_* variables. {@code bin/pgha plugins} lists every bundled
 * plugin with the version in its jar's name, and a one-member cluster comes up and stops cleanly.
 */
class TarballIT {
    private static final Pattern PLUGIN_JAR = Pattern.compile("(.+)-(\\d+\\.\\d+\\.\\d+(?:-SNAPSHOT)?)\\.jar");

    private Path root;
    private Process demo;
    private final List<Long> pids = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        if (demo != null && demo.isAlive()) {
            demo.destroyForcibly();
        }
        pids.stream().filter(Procs::alive).forEach(pid -> Procs.signal(pid, Procs.Sig.KILL));
        if (root != null) {
            TempDirectories.deleteTree(root);
        }
    }

    @Test
    @DisplayName("unpacked on its own, the tarball lists its plugins with their versions and runs a one-member cluster")
    void unpackAndRun() throws Exception {
        Path tarball = Path.of(System.getProperty("pgha.it.tarball", "target/pgha-0.1.0-SNAPSHOT.tar.gz"));
        assertTrue(Files.isRegularFile(tarball), tarball + " is missing: mvn package builds it");
        root = Files.createTempDirectory("pgha-tarball-it");
        // PostgreSQL runs as postgres (the tests run as root): it must be able to enter the directories
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        run(List.of("tar", "xzf", tarball.toString(), "-C", root.toString()), Duration.ofSeconds(120));
        Path home;
        try (Stream<Path> top = Files.list(root)) {
            List<Path> dirs = top.toList();
            assertEquals(1, dirs.size(), "one top directory: " + dirs);
            home = dirs.get(0);
        }
        assertTrue(home.getFileName().toString().startsWith("pgha-"), home.toString());
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String f : List.of("bin/pgha", "bin/pghactl")) {
            assertTrue(Files.isExecutable(home.resolve(f)), f + " is executable");
        }
        for (String f : List.of("LICENSE", "README", "conf/logback.xml", "conf/pgha.service", "conf/pgha-etcd3.yml",
                "conf/pgha-zookeeper.yml", "conf/pgha-consul.yml", "conf/pgha-kubernetes.yml",
                "conf/methods-and-callbacks.yml")) {
            assertTrue(Files.isRegularFile(home.resolve(f)), f + " is in the tarball");
        }
        assertTrue(Files.readString(home.resolve("conf/pgha.service")).contains("ExecReload=/bin/kill -HUP $MAINPID"));
        // the annotated examples are what operators copy: each one must pass validation as shipped
        for (String f : List.of("conf/pgha-etcd3.yml", "conf/pgha-zookeeper.yml", "conf/pgha-consul.yml",
                "conf/pgha-kubernetes.yml")) {
            String verdict = run(List.of(home.resolve("bin/pgha").toString(), "validate", home.resolve(f).toString()),
                    Duration.ofSeconds(60));
            assertTrue(verdict.contains("is valid"), f + ": " + verdict);
        }

        // every plugin directory's own jar, and its version, appear in `pgha plugins`
        Map<String, String> bundled = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(home.resolve("plugins"))) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                String name = dir.getFileName().toString();
                try (Stream<Path> jars = Files.list(dir)) {
                    String version = jars.map(j -> PLUGIN_JAR.matcher(j.getFileName().toString()))
                            .filter(m -> m.matches() && m.group(1).equals(name)).map(m -> m.group(2)).findFirst()
                            .orElseThrow(() -> new AssertionError("no " + name + "-<version>.jar in " + dir));
                    bundled.put(name, version);
                }
            }
        }
        for (String expected : List.of("replica-basebackup", "replica-command", "replica-pgbackrest", "replica-rsync",
                "bootstrap-initdb", "bootstrap-command", "dcs-etcd", "dcs-zookeeper", "dcs-consul",
                "dcs-kubernetes")) {
            assertTrue(bundled.containsKey(expected), expected + " is bundled: " + bundled);
        }
        String listing = run(List.of(home.resolve("bin/pgha").toString(), "plugins"), Duration.ofSeconds(60));
        System.out.println("it: bin/pgha plugins from the tarball:\n" + listing);
        bundled.forEach((plugin, version) -> assertTrue(listing.lines().anyMatch(l -> l.matches(".*\\s" + Pattern.quote(
                plugin) + "\\s+" + Pattern.quote(version) + "\\s.*")), plugin + " " + version + " listed:\n" + listing));

        // a one-member cluster on the embedded ZooKeeper, from the unpacked tarball only
        Path base = root.resolve("demo");
        int rest = freePort();
        int pg = freePort();
        Path out = root.resolve("demo.out");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/pgha").toString(), "demo", "--members", "1",
                "--base-dir", base.toString(), "--rest-port", Integer.toString(rest), "--pg-port", Integer.toString(pg),
                "--scope", "tarball", "--clean", "--start-timeout", Long.toString(Waits.seconds(240).toSeconds()))
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("PGHA_") || k.startsWith("PATRONI_")
                || k.startsWith("MAVEN") || k.equals("CLASSPATH"));
        demo = pb.start();
        boolean up = Waits.poll(Waits.seconds(300), () -> read(out).contains("pgha demo: cluster 'tarball' is up")
                || !demo.isAlive());
        if (!up || !demo.isAlive()) {
            fail("the one-member cluster did not come up:\n" + read(out) + "\n" + read(base.resolve("pg1/agent.log")));
        }
        firstLineNumber(base.resolve("pg1/agent.pid")).ifPresent(pids::add);
        firstLineNumber(base.resolve("pg1/data/postmaster.pid")).ifPresent(pids::add);
        HttpResponse<String> primary = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + rest + "/primary")).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, primary.statusCode(), primary.body());
        assertTrue(primary.body().contains("\"role\":\"primary\"") || primary.body().contains("\"role\": \"primary\""),
                primary.body());

        demo.destroy(); // SIGTERM
        assertTrue(demo.waitFor(Waits.seconds(120).toMillis(), TimeUnit.MILLISECONDS), "the demo stopped:\n"
                + read(out));
        assertTrue(Waits.poll(Waits.seconds(30), () -> pids.stream().noneMatch(Procs::alive)),
                "agent and PostgreSQL stopped: " + pids);
        assertTrue(read(out).contains("pgha demo: all members stopped"), read(out));
    }

    private static String run(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS), argv + " finished");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), argv + " failed:\n" + text);
        return text;
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static Optional<Long> firstLineNumber(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readAllLines(file).get(0).trim()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int freePort() {
        return LoopbackPorts.next();
    }

}
