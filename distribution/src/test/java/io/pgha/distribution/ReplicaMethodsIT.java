package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.ZooKeeperFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * create_replica_methods through the real agent and the bundled plugins: a command-style method that fails (called
 * with Patroni's arguments), a name no plugin provides (reported by validate, skipped at run time), then basebackup,
 * which builds the replica.
 */
class ReplicaMethodsIT {

    @Test
    @DisplayName("[wal_g, nosuch, basebackup]: wal_g runs with Patroni's arguments and fails, nosuch is skipped, basebackup builds the replica")
    void fallsBackInOrder() throws Exception {
        try (ZooKeeperFixture zk = ZooKeeperFixture.launch();
                TestCluster cluster = TestCluster.create(zk, "it-methods", 2)) {
            ClusterMember n1 = cluster.member("n1");
            ClusterMember n2 = cluster.member("n2");
            Path scripts = Files.createDirectories(cluster.baseDir().resolve("scripts"));
            Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path args = scripts.resolve("wal_g.args");
            Path walg = scripts.resolve("fake-wal-g");
            Files.writeString(walg, "#!/bin/bash\nprintf '%s\\n' \"$@\" > " + args
                    + "\necho 'ERROR: no backups found in the storage' >&2\nexit 1\n");
            Files.setPosixFilePermissions(walg, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(n2.configFile(), String.join("\n",
                    "  create_replica_methods: [wal_g, nosuch, basebackup]",
                    "  wal_g: {command: " + walg + " backup-fetch, threshold_megabytes: 10240}",
                    "  basebackup: [{checkpoint: fast}]", ""), StandardCharsets.UTF_8, StandardOpenOption.APPEND);

            Process validate = new ProcessBuilder(TestCluster.pghaHome().resolve("bin/pgha").toString(), "validate",
                    n2.configFile().toString()).redirectErrorStream(true).start();
            String validation = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(validate.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, validate.exitValue(), validation);
            assertTrue(validation.contains("warning: postgresql.create_replica_methods: method nosuch will be skipped:"
                    + " no plugin provides replica method 'nosuch'"), validation);

            n1.start();
            cluster.awaitHealthy(List.of(n1), Waits.seconds(120));
            n2.start();
            try {
                cluster.awaitHealthy(Waits.seconds(120));
            } catch (AssertionError e) {
                System.out.println(cluster.diagnostics());
                throw e;
            }
            List<String> passed = Files.readAllLines(args);
            assertEquals(List.of("backup-fetch", "--threshold_megabytes=10240", "--scope=it-methods", "--role=replica",
                    "--datadir=" + n2.dataDir()), passed.subList(0, 5), passed.toString());
            String connstring = passed.get(5);
            assertTrue(connstring.startsWith("--connstring=user=replicator host=127.0.0.1 port=" + n1.pgPort()),
                    connstring);
            String log = n2.log();
            assertTrue(log.contains("replica method wal_g failed"), n2.agentLogTail(60));
            assertTrue(log.contains("no backups found in the storage"), n2.agentLogTail(60));
            assertTrue(log.contains("replica method nosuch skipped: no plugin provides replica method 'nosuch'"),
                    n2.agentLogTail(60));
            assertTrue(log.contains("replica created with basebackup"), n2.agentLogTail(60));
        }
    }
}
