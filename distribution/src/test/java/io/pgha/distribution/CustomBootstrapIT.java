package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.ZooKeeperFixture;
import io.pgha.testkit.TempDirectories;
import io.pgha.testkit.server.PostgresProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Custom bootstrap ({@code bootstrap.method} with a command) through the real agent: a point-in-time clone of
 * another cluster from its pgBackRest repository at a recovery_target_time, and a failing method whose leftovers
 * are wiped and whose initialize key is released so that the next try starts clean.
 */
class CustomBootstrapIT {

    /** Inserts {@code lines} right after the {@code bootstrap:} line of the member's configuration. */
    private static void addToBootstrap(ClusterMember m, String... lines) throws IOException {
        String conf = Files.readString(m.configFile());
        int at = conf.indexOf("bootstrap:\n") + "bootstrap:\n".length();
        Files.writeString(m.configFile(), conf.substring(0, at) + String.join("\n", lines) + "\n" + conf.substring(at),
                StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a point-in-time clone from a pgBackRest repository: rows written after recovery_target_time are absent")
    void pointInTimeClone() throws Exception {
        Path root = Files.createTempDirectory("pgha-pitr-it");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        PostgresProcess source = null;
        try {
            Path repo = PostgresProcess.databaseUserDirectory(root.resolve("repo"));
            Path logs = PostgresProcess.databaseUserDirectory(root.resolve("log"));
            Path locks = PostgresProcess.databaseUserDirectory(root.resolve("lock"));
            Path conf = root.resolve("pgbackrest.conf");
            Path sourceData = root.resolve("source");
            source = PostgresProcess.on(sourceData, root, Map.of("wal_level", "replica", "archive_mode", "on",
                    "archive_command", "pgbackrest --config=" + conf + " --stanza=src archive-push %p"));
            Files.writeString(conf, String.join("\n", "[global]", "repo1-path=" + repo, "log-path=" + logs,
                    "lock-path=" + locks, "log-level-console=warn", "start-fast=y", "compress-type=none",
                    "archive-timeout=60", "", "[src]", "pg1-path=" + sourceData, "pg1-port=" + source.port(),
                    "pg1-socket-path=" + source.socketDirectory(), ""));
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r--r--"));
            source.initdb().start(Duration.ofSeconds(60));
            pgbackrest(conf, "stanza-create");
            pgbackrest(conf, "--type=full", "backup");
            source.sql("CREATE TABLE ledger(id int, note text); INSERT INTO ledger VALUES (1, 'before the target')");
            String target = source.sql("SELECT clock_timestamp()");
            // the next commit is stamped strictly after the target time
            source.sql("SELECT pg_sleep(1.1)");
            source.sql("INSERT INTO ledger VALUES (2, 'after the target')");
            pgbackrest(conf, "check");
            source.stop();

            try (ZooKeeperFixture zk = ZooKeeperFixture.launch();
                    TestCluster cluster = TestCluster.create(zk, "it-pitr", 1)) {
                ClusterMember m = cluster.member("n1");
                Path marker = PostgresProcess.databaseUserDirectory(root.resolve("marker")).resolve("post_bootstrap");
                addToBootstrap(m,
                        "  method: pitr",
                        "  pitr:",
                        "    command: pgbackrest --config=" + conf + " --stanza=src --pg1-path=" + m.dataDir()
                                + " --type=none restore",
                        "    no_params: true",
                        "    recovery_conf:",
                        // pgBackRest checks that the server it serves is the pg1-path it was told: the clone's
                        "      restore_command: pgbackrest --config=" + conf + " --stanza=src --pg1-path=" + m.dataDir()
                                + " archive-get %f \"%p\"",
                        "      recovery_target_time: '" + target + "'",
                        "  post_bootstrap: sh -c 'echo done > " + marker + "'");
                Files.writeString(m.configFile(), "  parameters: {archive_mode: 'off'}\n", StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.APPEND);
                m.start();
                try {
                    cluster.awaitHealthy(Waits.seconds(180));
                } catch (AssertionError e) {
                    System.out.println(cluster.diagnostics());
                    throw e;
                }
                assertEquals(Optional.of("before the target"), m.queryValue("SELECT string_agg(note, ',') FROM ledger"),
                        "only the row committed before recovery_target_time is there");
                assertEquals(Optional.of("f"), m.queryValue("SELECT pg_is_in_recovery()"));
                assertTrue(m.timeline() >= 2, "the clone promoted at its target onto a new timeline");
                assertTrue(Files.exists(marker), "post_bootstrap ran after the recovery");
                String log = m.log();
                assertTrue(log.contains("running custom bootstrap script"), m.agentLogTail(40));
                assertTrue(log.contains("waiting for end of recovery after bootstrap"), m.agentLogTail(40));
                assertTrue(log.contains("initialized a new cluster"), m.agentLogTail(40));
            }
        } finally {
            if (source != null) {
                source.stop();
            }
            TempDirectories.deleteTree(root);
        }
    }

    @Test
    @DisplayName("a failing method: its leftovers are wiped and the initialize key released, so the next try starts clean")
    void failureWipesAndReleases() throws Exception {
        try (ZooKeeperFixture zk = ZooKeeperFixture.launch();
                TestCluster cluster = TestCluster.create(zk, "it-bootfail", 1)) {
            ClusterMember m = cluster.member("n1");
            Path scripts = Files.createDirectories(cluster.baseDir().resolve("scripts"));
            Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path seen = scripts.resolve("seen");
            Path script = scripts.resolve("broken-clone.sh");
            Files.writeString(script, "#!/bin/bash\nfor a in \"$@\"; do case $a in --datadir=*) d=${a#--datadir=};;"
                    + " esac; done\necho \"try: $(ls -A $d | tr '\\n' ' ')\" >> " + seen
                    + "\necho 15 > $d/PG_VERSION; echo half > $d/half_copied\necho 'source cluster unreachable'\nexit 3\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            addToBootstrap(m, "  method: clone", "  clone: {command: " + script + ", source: elsewhere}");
            m.start();
            Waits.awaitTrue("the method ran twice", Waits.seconds(90), () -> lines(seen).size() >= 2,
                    () -> m.agentLogTail(30));
            assertEquals("try:", lines(seen).get(1).strip(), "the second try found an empty data directory");
            String log = m.log();
            assertTrue(log.contains("source cluster unreachable"), m.agentLogTail(30));
            assertTrue(log.contains("released the initialize key"), m.agentLogTail(30));
        }
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : new ArrayList<>();
        } catch (IOException e) {
            return new ArrayList<>();
        }
    }

    private static void pgbackrest(Path conf, String... args) {
        List<String> argv = new ArrayList<>(List.of("pgbackrest", "--config=" + conf, "--stanza=src"));
        argv.addAll(List.of(args));
        PostgresProcess.run(argv, Duration.ofMinutes(3), "pgbackrest " + String.join(" ", args));
    }
}
