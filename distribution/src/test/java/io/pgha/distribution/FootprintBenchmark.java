package io.pgha.distribution;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.EtcdFixture;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.ZooKeeperFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test: a three-member cluster from the distribution idles, and each agent's resident memory (RSS,
 * and PSS from smaps_rollup), threads and CPU seconds per minute are printed, on etcd and on ZooKeeper (the external
 * server; the embedded one has its own budget). Nothing is asserted.
 *
 * <p>To show what wakes up when nothing happens, it also prints, per agent, the threads that used CPU or were woken
 * during the window (context switches per second, from {@code /proc/<pid>/task/<tid>/status}), and the footprint of
 * the fencing supervisor, a separate process beside every agent.
 *
 * <p>{@code mvn -pl distribution -am verify -Pbenchmarks -Dit.test=FootprintBenchmark} ({@code -Dbench.idle.seconds}
 * long, after {@code -Dbench.settle.seconds} of settling; {@code -Dbench.dcs=etcd3} or {@code zookeeper} for one of
 * them). {@code PGHA_JAVA_OPTS} in the environment reaches the agents, which is how launcher flags are tried before
 * they become defaults.
 */
class FootprintBenchmark {

    @Test
    @DisplayName("idle footprint per agent on etcd and ZooKeeper")
    void idleFootprint() throws Exception {
        List<String> only = List.of(System.getProperty("bench.dcs", "etcd3,zookeeper").split(","));
        if (only.contains("etcd3")) {
            measure("etcd3", EtcdFixture::launch);
        }
        if (only.contains("zookeeper")) {
            measure("zookeeper", ZooKeeperFixture::launch);
        }
    }

    private static void measure(String name, Supplier<DcsFixture> dcsFactory) throws Exception {
        int idle = Integer.getInteger("bench.idle.seconds", 60);
        try (DcsFixture dcs = dcsFactory.get(); TestCluster cluster = TestCluster.create(dcs, "fp-" + name, 3)) {
            cluster.startAll();
            cluster.awaitHealthy(Waits.seconds(150));
            // let start-up work (JIT, class loading, bootstrap) settle before the idle window
            Thread.sleep(Duration.ofSeconds(Integer.getInteger("bench.settle.seconds", 20)).toMillis());
            Map<ClusterMember, Map<String, ThreadSample>> before = new LinkedHashMap<>();
            Map<ClusterMember, Optional<Long>> fencers = new LinkedHashMap<>();
            Map<ClusterMember, long[]> fencerBefore = new LinkedHashMap<>();
            Map<ClusterMember, Long> cpuBefore = new LinkedHashMap<>();
            for (ClusterMember m : cluster.members()) {
                cpuBefore.put(m, cpuTicks(m.agentPid()));
                before.put(m, threadSamples(m.agentPid()));
                Optional<Long> fencer = m.fencerPid();
                fencers.put(m, fencer);
                fencerBefore.put(m, fencer.map(f -> new long[] {cpuTicks(f), wakeups(f)}).orElse(new long[2]));
            }
            Thread.sleep(Duration.ofSeconds(idle).toMillis());
            for (ClusterMember m : cluster.members()) {
                long pid = m.agentPid();
                Map<String, ThreadSample> after = threadSamples(pid);
                double cpuSeconds = (cpuTicks(pid) - cpuBefore.get(m)) / 100.0;
                System.out.printf("bench: footprint [%s] %s idle %d s: RSS %.1f MB, PSS %.1f MB, %d threads, CPU "
                        + "%.2f s per minute%n", name, m, idle, kb(pid, "status", "VmRSS") / 1024.0,
                        kb(pid, "smaps_rollup", "Pss") / 1024.0, threads(pid), cpuSeconds * 60.0 / idle);
                printWakers(name, m, before.get(m), after, idle);
                Optional<Long> fencer = fencers.get(m);
                if (fencer.isPresent() && Files.exists(Path.of("/proc/" + fencer.get()))) {
                    long f = fencer.get();
                    double fencerCpu = (cpuTicks(f) - fencerBefore.get(m)[0]) / 100.0;
                    System.out.printf("bench: footprint [%s] %s fencing supervisor (pid %d): RSS %.1f MB, PSS %.1f MB, "
                            + "CPU %.3f s per minute, %.1f wake-ups per second%n", name, m, f,
                            kb(f, "status", "VmRSS") / 1024.0, kb(f, "smaps_rollup", "Pss") / 1024.0,
                            fencerCpu * 60.0 / idle, (wakeups(f) - fencerBefore.get(m)[1]) / (double) idle);
                } else {
                    System.out.printf("bench: footprint [%s] %s no fencing supervisor%n", name, m);
                }
            }
        }
    }

    /** One thread's CPU ticks and context switches, keyed by thread id. */
    private record ThreadSample(String name, long ticks, long switches) {
    }

    private static void printWakers(String dcs, ClusterMember m, Map<String, ThreadSample> before,
            Map<String, ThreadSample> after, int idle) {
        List<String> lines = new ArrayList<>();
        after.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, ThreadSample> e) -> {
            ThreadSample b = before.get(e.getKey());
            return -(e.getValue().switches() - (b == null ? 0 : b.switches()));
        })).forEach(e -> {
            ThreadSample b = before.getOrDefault(e.getKey(), new ThreadSample(e.getValue().name(), 0, 0));
            long ticks = e.getValue().ticks() - b.ticks();
            long switches = e.getValue().switches() - b.switches();
            if (ticks > 0 || switches > 0) {
                lines.add(String.format("%s %.1f/s %.2fs", e.getValue().name(), switches / (double) idle,
                        ticks / 100.0));
            }
        });
        System.out.printf("bench: footprint [%s] %s wakers (thread wake-ups/s CPU): %s%n", dcs, m,
                String.join(", ", lines));
    }

    private static Map<String, ThreadSample> threadSamples(long pid) throws IOException {
        Map<String, ThreadSample> out = new HashMap<>();
        try (var s = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : s.toList()) {
                try {
                    String comm = Files.readString(task.resolve("comm")).trim();
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.put(task.getFileName().toString(), new ThreadSample(comm,
                            Long.parseLong(f[11]) + Long.parseLong(f[12]), switches(task.resolve("status"))));
                } catch (IOException e) {
                    // the thread ended while we looked
                }
            }
        }
        return out;
    }

    private static long switches(Path status) throws IOException {
        long n = 0;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                n += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return n;
    }

    private static long wakeups(long pid) {
        try {
            return switches(Path.of("/proc/" + pid + "/status"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** utime + stime, in clock ticks (100 per second on Linux). */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
