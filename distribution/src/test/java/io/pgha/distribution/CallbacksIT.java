package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.ZooKeeperFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Patroni's callbacks and hooks through the real agent: scripts that append what they were told to a file. A
 * pre_promote that refuses keeps the candidate of a switchover from promoting (the old leader takes the lock back);
 * once it agrees, the switchover goes through and both members report their role change.
 */
class CallbacksIT {

    @Test
    @DisplayName("on_start, on_reload, before_stop, on_stop, on_role_change and a pre_promote veto on a real cluster")
    void callbacksAndHooks() throws Exception {
        try (ZooKeeperFixture zk = ZooKeeperFixture.launch();
                TestCluster cluster = TestCluster.create(zk, "it-callbacks", 2)) {
            Path scripts = Files.createDirectories(cluster.baseDir().resolve("scripts"));
            Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path log = scripts.resolve("events.log");
            Path veto = scripts.resolve("veto");
            Path callback = script(scripts, "callback.sh", "echo \"$PATRONI_NAME $1 $2 $3 ${PATRONI_OLD_ROLE:--}"
                    + " ${PATRONI_NEW_ROLE:--}\" >> " + log);
            Path prePromote = script(scripts, "pre_promote.sh", "echo \"$PATRONI_NAME pre_promote\" >> " + log
                    + "\nif [ \"$PATRONI_NAME\" = n2 ] && [ -e " + veto + " ]; then echo 'n2 is not ready'; exit 1; fi");
            Path beforeStop = script(scripts, "before_stop.sh", "echo \"$PATRONI_NAME before_stop $PATRONI_ROLE\" >> "
                    + log);
            for (ClusterMember m : cluster.members()) {
                Files.writeString(m.configFile(), String.join("\n",
                        "  callbacks: {on_start: " + callback + ", on_stop: " + callback + ", on_restart: " + callback
                                + ", on_reload: " + callback + ", on_role_change: " + callback + "}",
                        "  pre_promote: " + prePromote,
                        "  before_stop: " + beforeStop, ""), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            }
            ClusterMember n1 = cluster.member("n1");
            ClusterMember n2 = cluster.member("n2");
            try {
                n1.start();
                cluster.awaitHealthy(List.of(n1), Waits.seconds(120));
                n2.start();
                cluster.awaitHealthy(Waits.seconds(120));
                awaitLine(log, "n1 on_start primary it-callbacks - -");
                awaitLine(log, "n2 on_start replica it-callbacks - -");

                n2.sighup();
                awaitLine(log, "n2 on_reload replica it-callbacks - -");

                // a refusing pre_promote: n2 gets the lock for the switchover but must not promote
                Files.writeString(veto, "");
                long mark = n2.logSize();
                n1.post("/switchover", Map.of("leader", "n1", "candidate", "n2"), Waits.seconds(90));
                awaitLine(log, "n2 pre_promote");
                assertTrue(Waits.poll(Waits.seconds(60), () -> n2.logSince(mark).contains("not promoting: pre_promote")),
                        n2.agentLogTail(40));
                assertTrue(n2.logSince(mark).contains("n2 is not ready"), n2.agentLogTail(40));
                ClusterMember leader = cluster.awaitHealthy(Waits.seconds(120));
                assertEquals(n1, leader, "the old leader took the lock back");
                assertTrue(lines(log).stream().noneMatch(l -> l.startsWith("n2 on_role_change primary")),
                        "n2 never promoted: " + lines(log));

                // once pre_promote agrees (and n2 sat out its ttl), the switchover goes through
                Files.delete(veto);
                int before = lines(log).size();
                assertTrue(Waits.poll(Waits.seconds(90), () -> n1.post("/switchover", Map.of("leader", "n1",
                        "candidate", "n2"), Waits.seconds(60)).status() == 200), n1.agentLogTail(40));
                assertEquals(n2, cluster.awaitHealthy(Waits.seconds(120)));
                awaitLine(log, "n2 on_role_change primary it-callbacks replica primary");
                awaitLine(log, "n1 on_role_change replica it-callbacks primary replica");
                List<String> n1Events = lines(log).subList(before, lines(log).size()).stream()
                        .filter(l -> l.startsWith("n1 ")).toList();
                assertEquals(List.of("n1 before_stop primary", "n1 on_stop primary it-callbacks - -",
                        "n1 on_role_change replica it-callbacks primary replica"), n1Events.subList(0, 3),
                        "n1 heard its switchover in order: " + n1Events);

                // GET /metrics counts the runs by event and outcome: n2's vetoing pre_promote and its later ones
                Waits.awaitTrue("n2's /metrics counts its callback runs", Waits.seconds(30),
                        () -> callbackRuns(n2, "pre_promote", "failed") >= 1 && callbackRuns(n2, "pre_promote", "ok") >= 1
                                && callbackRuns(n2, "on_role_change", "ok") >= 1,
                        () -> metricLines(n2, "pgha_callback_"));
                assertTrue(metricLines(n2, "pgha_callback_duration_seconds_count").contains("event=\"on_start\""),
                        metricLines(n2, "pgha_callback_"));
            } catch (AssertionError | RuntimeException e) {
                System.out.println("callback log:\n" + String.join("\n", lines(log)));
                System.out.println(cluster.diagnostics());
                throw e;
            }
        }
    }

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(2)).build();

    /** The lines of {@code m}'s {@code GET /metrics} that start with {@code prefix}; empty when it does not answer. */
    private static String metricLines(ClusterMember m, String prefix) {
        try {
            String body = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.restUrl() + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith(prefix)).collect(java.util.stream.Collectors.joining("\n"));
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** {@code pgha_callback_runs_total} for one event and outcome on {@code m}; 0 when there is no such series. */
    private static double callbackRuns(ClusterMember m, String event, String outcome) {
        return metricLines(m, "pgha_callback_runs_total{").lines()
                .filter(l -> l.contains("event=\"" + event + "\"") && l.contains("outcome=\"" + outcome + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static List<String> lines(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void awaitLine(Path log, String line) {
        Waits.awaitTrue("the callback log has '" + line + "'", Waits.seconds(60), () -> lines(log).contains(line),
                () -> String.join("\n", lines(log)));
    }
}
