package io.pgha.distribution;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.EtcdFixture;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test: it prints figures and asserts nothing about time. At the short timings the fencing
 * supervisor allows (ttl 10, loop_wait 2, retry_timeout 3) it measures the crash failover (kill -9 of the leader's
 * agent and postmaster) a few times, then counts false failovers over a run with CPU and I/O load beside the cluster.
 *
 * <p>Run with {@code mvn -pl distribution -am verify -Pbenchmarks -Dit.test=FailoverBenchmark}
 * ({@code -Dbench.stress.minutes=N}, default 3).
 */
class FailoverBenchmark {
    private static final int TTL = 10;
    private static final int LOOP_WAIT = 2;
    private static final int RETRY_TIMEOUT = 3;

    @Test
    @DisplayName("crash failover time and false failovers under load, at ttl 10 / loop_wait 2 / retry_timeout 3")
    void failoverAtShortTtl() throws Exception {
        try (EtcdFixture etcd = EtcdFixture.launch();
                TestCluster cluster = TestCluster.create(etcd, "bench", 3, TTL, LOOP_WAIT, RETRY_TIMEOUT)) {
            cluster.startAll();
            try {
                cluster.awaitHealthy(Waits.seconds(150));
            } catch (AssertionError e) {
                cluster.keepFiles();
                System.out.println(cluster.diagnostics());
                throw e;
            }
            List<Double> failovers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ClusterMember leader = cluster.awaitHealthy(Waits.seconds(120));
                long postmaster = leader.postmasterPid().orElseThrow();
                long start = System.nanoTime();
                leader.killAgent();
                leader.killFencer();
                Procs.signal(postmaster, Procs.Sig.KILL);
                ClusterMember next = cluster.awaitNewPrimary(leader, Waits.seconds(TTL + 30));
                failovers.add(Waits.secondsSince(start));
                System.out.printf("bench: crash failover %d: %s -> %s in %.1f s%n", i + 1, leader, next,
                        failovers.get(i));
                leader.start();
                cluster.awaitStreaming(leader, Waits.seconds(120));
            }
            System.out.printf("bench: crash failover at ttl %d, loop_wait %d, retry_timeout %d: %s s (worst-case "
                    + "bound ttl + loop_wait = %d s)%n", TTL, LOOP_WAIT, RETRY_TIMEOUT, failovers, TTL + LOOP_WAIT);

            int minutes = Integer.getInteger("bench.stress.minutes", 3);
            ClusterMember leader = cluster.awaitHealthy(Waits.seconds(60));
            List<Process> load = startLoad(cluster.baseDir());
            int changes = 0;
            try {
                long end = System.nanoTime() + Duration.ofMinutes(minutes).toNanos();
                String current = leader.name();
                while (System.nanoTime() < end) {
                    Thread.sleep(500);
                    Optional<String> now = cluster.clusterView().flatMap(TestCluster::leaderName);
                    if (now.isPresent() && !now.get().equals(current)) {
                        changes++;
                        System.out.printf("bench: leader changed under load: %s -> %s%n", current, now.get());
                        current = now.get();
                    }
                }
            } finally {
                for (Process p : load) {
                    p.destroyForcibly().waitFor();
                }
            }
            System.out.printf("bench: %d false failovers in %d minutes of CPU and I/O load (%d busy loops, dd to "
                    + "disk) at ttl %d%n", changes, minutes, load.size() - 1, TTL);
        }
    }

    /** One busy loop per core, and a writer that keeps the disk busy; stopped by pid. */
    private static List<Process> startLoad(Path dir) throws Exception {
        List<Process> load = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            load.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
        }
        Path sink = Files.createDirectories(dir.resolve("io-load"));
        load.add(new ProcessBuilder("sh", "-c", "while :; do dd if=/dev/zero of=" + sink.resolve("f")
                + " bs=1M count=256 conv=fsync 2>/dev/null; done").start());
        return load;
    }
}
