package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.ZooKeeperFixture;
import io.pgha.spi.CommandRunner;
import io.pgha.testkit.DatabaseUserCommandRunner;
import io.pgha.testkit.TempDirectories;
import io.pgha.testkit.server.PostgresProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A third-party plugin built outside the reactor and used from {@code plugins/}: {@code examples/custom-restore-method}
 * (its own POM, depending only on the published ha-api and ha-testkit) is built with Maven against this reactor's
 * ha-api and ha-testkit, installed into a private temporary local repository — the shared one is only read, through
 * a file mirror, never written. The build runs the example's replica-method contract kit. Its jar goes into an
 * unpacked distribution's {@code plugins/custom-restore-method/}, {@code pgha plugins} lists it with its own version,
 * and a second member is built with {@code create_replica_methods: [tar_restore]} from a base backup of the first,
 * then streams.
 */
class CustomRestoreMethodIT {
    private static final String EXAMPLE = "custom-restore-method";
    private static final String EXAMPLE_VERSION = "1.2.0";

    @Test
    @DisplayName("the example plugin, built outside the reactor, is listed by pgha plugins and builds a streaming replica")
    void buildAndUse() throws Exception {
        Path reactor = Path.of(System.getProperty("pgha.it.reactor", "..")).toAbsolutePath().normalize();
        String apiVersion = System.getProperty("pgha.it.api.version", "0.1.0-SNAPSHOT");
        Path sharedRepository = Path.of(System.getProperty("pgha.it.m2",
                System.getProperty("user.home") + "/.m2/repository"));
        Path work = Files.createTempDirectory("pgha-example-build-");
        try {
            Path jar = buildExample(reactor, apiVersion, sharedRepository, work);
            try (ZooKeeperFixture zk = ZooKeeperFixture.launch();
                    TestCluster cluster = TestCluster.create(zk, "it-tarrestore", 2)) {
                ClusterMember n1 = cluster.member("n1");
                ClusterMember n2 = cluster.member("n2");
                // both members run one private copy of the distribution: drop the plugin into its plugins/
                Path pluginDir = Files.createDirectories(n1.pghaHome().resolve("plugins").resolve(EXAMPLE));
                Files.copy(jar, pluginDir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                String listing = run(List.of(n1.pghaHome().resolve("bin/pgha").toString(), "plugins"), Map.of(),
                        Duration.ofSeconds(60));
                System.out.println("it: pgha plugins with the example dropped in:\n" + listing);
                assertTrue(listing.lines().anyMatch(l -> l.contains(EXAMPLE) && l.contains(EXAMPLE_VERSION)
                        && l.contains("tar_restore")), listing);

                n1.start();
                cluster.awaitHealthy(List.of(n1), Waits.seconds(120));
                n1.execute("CREATE TABLE ledger(id int PRIMARY KEY, note text)");
                n1.execute("INSERT INTO ledger VALUES (1, 'in the backup')");

                Path backups = PostgresProcess.databaseUserDirectory(cluster.baseDir().resolve("backups"));
                run(DatabaseUserCommandRunner.asDatabaseUser(List.of(PostgresProcess.DEFAULT_BIN.resolve("pg_basebackup")
                        .toString(), "-D", backups.resolve("20261205T1000").toString(), "-Ft", "-X", "stream", "-c",
                        "fast", "-d", "host=127.0.0.1 port=" + n1.pgPort() + " user=" + TestCluster.REPLICATION_USER)),
                        Map.of("PGPASSWORD", TestCluster.REPLICATION_PASSWORD), Duration.ofMinutes(2));
                n1.execute("INSERT INTO ledger VALUES (2, 'streamed after the backup')");

                Files.writeString(n2.configFile(), "  create_replica_methods: [tar_restore]\n  tar_restore: "
                        + "{backup_directory: " + backups + "}\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                n2.start();
                try {
                    cluster.awaitHealthy(Waits.seconds(180));
                } catch (AssertionError e) {
                    System.out.println(cluster.diagnostics());
                    throw e;
                }
                assertTrue(Waits.poll(Waits.seconds(60), () -> n2.queryValue("SELECT count(*) FROM ledger")
                        .equals(Optional.of("2"))), "the replica has the backup's row and streamed the later one");
                assertEquals(Optional.of("t"), n2.queryValue("SELECT pg_is_in_recovery()"));
                String log = Files.readString(n2.agentLog());
                assertTrue(log.contains("replica created with tar_restore"), n2.agentLog() + ":\n" + log);
            }
        } finally {
            TempDirectories.deleteTree(work);
        }
    }

    /**
     * Installs the reactor's ha-api and ha-testkit (and their parent POM) into a private local repository, then builds
     * a copy of the example there with {@code mvn verify}; returns the plugin jar.
     */
    private static Path buildExample(Path reactor, String apiVersion, Path sharedRepository, Path work)
            throws IOException {
        Path privateRepository = Files.createDirectories(work.resolve("repository"));
        Path settings = work.resolve("settings.xml");
        // every other artifact (Maven plugins, JUnit, ...) is read from the shared repository as from a remote one:
        // copied into the private repository, never written back
        Files.writeString(settings, "<settings><mirrors><mirror><id>shared-local-read-only</id><mirrorOf>*</mirrorOf>"
                + "<url>" + sharedRepository.toUri() + "</url></mirror></mirrors></settings>\n");
        List<String> maven = List.of("mvn", "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local="
                + privateRepository);
        String install = "org.apache.maven.plugins:maven-install-plugin:3.1.4:install-file";
        mvn(maven, work, install, "-Dfile=" + reactor.resolve("pom.xml"), "-DpomFile=" + reactor.resolve("pom.xml"),
                "-Dpackaging=pom");
        for (String module : List.of("ha-api", "ha-testkit")) {
            Path built = reactor.resolve(module).resolve("target").resolve(module + "-" + apiVersion + ".jar");
            assertTrue(Files.isRegularFile(built), built + " was built by the reactor");
            // what a release publishes: the POM with its version resolved
            Path pom = work.resolve(module + ".pom");
            Files.writeString(pom, Files.readString(reactor.resolve(module).resolve("pom.xml"))
                    .replace("<version>${pgha.api.version}</version>", "<version>" + apiVersion + "</version>"));
            mvn(maven, work, install, "-Dfile=" + built, "-DpomFile=" + pom);
        }
        Path example = work.resolve(EXAMPLE);
        copyTree(reactor.resolve("examples").resolve(EXAMPLE), example);
        mvn(maven, work, "-f", example.resolve("pom.xml").toString(), "-Dpgha.api.version=" + apiVersion, "verify");
        Path jar = example.resolve("target").resolve(EXAMPLE + "-" + EXAMPLE_VERSION + ".jar");
        assertTrue(Files.isRegularFile(jar), jar + " was built");
        try (Stream<Path> reports = Files.list(example.resolve("target/failsafe-reports"))) {
            assertTrue(reports.anyMatch(p -> p.getFileName().toString().contains("TarRestoreContractIT")),
                    "the example's build ran the replica-method contract kit");
        }
        return jar;
    }

    private static void mvn(List<String> maven, Path directory, String... args) {
        List<String> argv = new ArrayList<>(maven);
        argv.addAll(List.of(args));
        System.out.println("it: " + String.join(" ", argv));
        run(argv, Map.of(), Duration.ofMinutes(10), directory);
    }

    private static String run(List<String> argv, Map<String, String> env, Duration timeout) {
        return run(argv, env, timeout, Path.of("/"));
    }

    private static String run(List<String> argv, Map<String, String> env, Duration timeout, Path directory) {
        try {
            Path out = Files.createTempFile("pgha-it-run", ".out");
            try {
                ProcessBuilder pb = new ProcessBuilder(argv).directory(directory.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                                "/dev/null")));
                pb.environment().keySet().removeIf(k -> k.startsWith("MAVEN") || k.startsWith("PGHA_"));
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new AssertionError(argv.get(0) + " did not finish within " + timeout + ":\n"
                            + Files.readString(out));
                }
                String output = Files.readString(out);
                assertEquals(0, p.exitValue(), String.join(" ", argv) + " failed:\n" + output);
                return output;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith("target")) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
