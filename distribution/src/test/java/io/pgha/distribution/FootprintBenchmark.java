package io.pgha.distribution;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.EtcdFixture;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.ZooKeeperFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test: a three-member cluster from the distribution idles, and each agent's resident memory (RSS,
 * and PSS from smaps_rollup), threads and CPU seconds per minute are printed, on etcd and on ZooKeeper (the external
 * server; the embedded one has its own budget). Nothing is asserted.
 *
 * <p>{@code mvn -pl distribution -am verify -Pbenchmarks -Dit.test=FootprintBenchmark} ({@code -Dbench.idle.seconds}).
 */
class FootprintBenchmark {

    @Test
    @DisplayName("idle footprint per agent on etcd and ZooKeeper")
    void idleFootprint() throws Exception {
        measure("etcd3", EtcdFixture::launch);
        measure("zookeeper", ZooKeeperFixture::launch);
    }

    private static void measure(String name, Supplier<DcsFixture> dcsFactory) throws Exception {
        int idle = Integer.getInteger("bench.idle.seconds", 60);
        try (DcsFixture dcs = dcsFactory.get(); TestCluster cluster = TestCluster.create(dcs, "fp-" + name, 3)) {
            cluster.startAll();
            cluster.awaitHealthy(Waits.seconds(150));
            // let start-up work (JIT, class loading, bootstrap) settle before the idle window
            Thread.sleep(Duration.ofSeconds(20).toMillis());
            Map<ClusterMember, long[]> before = new LinkedHashMap<>();
            for (ClusterMember m : cluster.members()) {
                before.put(m, cpuTicks(m.agentPid()));
            }
            Thread.sleep(Duration.ofSeconds(idle).toMillis());
            for (ClusterMember m : cluster.members()) {
                long pid = m.agentPid();
                long[] after = cpuTicks(pid);
                double cpuSeconds = (after[0] - before.get(m)[0]) / 100.0;
                System.out.printf("bench: footprint [%s] %s idle %d s: RSS %.1f MB, PSS %.1f MB, %d threads, CPU "
                        + "%.2f s per minute%n", name, m, idle, kb(pid, "status", "VmRSS") / 1024.0,
                        kb(pid, "smaps_rollup", "Pss") / 1024.0, threads(pid), cpuSeconds * 60.0 / idle);
            }
        }
    }

    /** utime + stime, in clock ticks (100 per second on Linux). */
    private static long[] cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12])};
    }

    private static long kb(long pid, String file, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/" + file))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static long threads(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return s.count();
        }
    }
}
