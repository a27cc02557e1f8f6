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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test: a three-member cluster idles, and each agent's resident memory (RSS, and PSS from
 * smaps_rollup), threads and CPU seconds per minute are printed, for pgha from the distribution and for Debian's
 * Patroni 3.0.2 on the same DCS server, the same configuration files and the same timings (ttl 20, loop_wait 1,
 * retry_timeout 3, as in issue 13), one cluster after the other, measured the same way. On etcd and on ZooKeeper (the
 * external server; the embedded one has its own budget). Nothing is asserted.
 *
 * <p>To show what wakes up when nothing happens, it also prints, per agent, the threads that used CPU or were woken
 * during the window (context switches per second, from {@code /proc/<pid>/task/<tid>/status}), and the footprint of
 * the fencing supervisor, a separate process beside every pgha agent. The last lines are a summary table.
 *
 * <p>{@code mvn -pl distribution -am verify -Pbenchmarks -Dit.test=FootprintBenchmark} ({@code -Dbench.idle.seconds}
 * long, after {@code -Dbench.settle.seconds} of settling; {@code -Dbench.dcs=etcd3} or {@code zookeeper} for one of
 * them; {@code -Dbench.agents=pgha} or {@code patroni} for one kind). {@code PGHA_JAVA_OPTS} in the environment
 * reaches the pgha agents, which is how launcher flags are tried before they become defaults.
 */
class FootprintBenchmark {
    private static final int TTL = 20;
    private static final int LOOP_WAIT = 1;
    private static final int RETRY_TIMEOUT = 3;
    private static final List<String> SUMMARY = new ArrayList<>();

    @Test
    @DisplayName("idle footprint per agent, pgha and Patroni 3.0.2, on etcd and ZooKeeper")
    void idleFootprint() throws Exception {
        List<String> dcsNames = List.of(System.getProperty("bench.dcs", "etcd3,zookeeper").split(","));
        List<String> agents = List.of(System.getProperty("bench.agents", "patroni,pgha").split(","));
        if (dcsNames.contains("etcd3")) {
            try (DcsFixture dcs = EtcdFixture.launch()) {
                for (String agent : agents) {
                    measure("etcd3", dcs, agent);
                }
            }
        }
        if (dcsNames.contains("zookeeper")) {
            try (DcsFixture dcs = ZooKeeperFixture.launch()) {
                for (String agent : agents) {
                    measure("zookeeper", dcs, agent);
                }
            }
        }
        System.out.println("bench: footprint summary, per agent, range over the three members (ttl " + TTL
                + ", loop_wait " + LOOP_WAIT + ", retry_timeout " + RETRY_TIMEOUT + ")");
        System.out.println("bench: | DCS | agent | RSS MB | PSS MB | threads | CPU s/min |");
        SUMMARY.forEach(line -> System.out.println("bench: " + line));
    }

    private static void measure(String name, DcsFixture dcs, String agent) throws Exception {
        int idle = Integer.getInteger("bench.idle.seconds", 60);
        boolean patroni = agent.equals("patroni");
        String label = name + "/" + agent;
        try (TestCluster cluster = TestCluster.create(dcs, "fp-" + agent + "-" + name.replace("3", ""), 3, TTL,
                LOOP_WAIT, RETRY_TIMEOUT)) {
            if (patroni) {
                cluster.members().forEach(ClusterMember::startPatroni);
                awaitStreaming(cluster);
            } else {
                cluster.startAll();
                cluster.awaitHealthy(Waits.seconds(150));
            }
            // let start-up work (JIT, class loading, bootstrap) settle before the idle window
            Thread.sleep(Duration.ofSeconds(Integer.getInteger("bench.settle.seconds", 60)).toMillis());
            Map<ClusterMember, Map<String, ThreadSample>> before = new LinkedHashMap<>();
            Map<ClusterMember, Optional<Long>> fencers = new LinkedHashMap<>();
            Map<ClusterMember, long[]> fencerBefore = new LinkedHashMap<>();
            Map<ClusterMember, Long> cpuBefore = new LinkedHashMap<>();
            for (ClusterMember m : cluster.members()) {
                cpuBefore.put(m, cpuTicks(m.agentPid()));
                before.put(m, threadSamples(m.agentPid()));
                Optional<Long> fencer = patroni ? Optional.empty() : m.fencerPid();
                fencers.put(m, fencer);
                fencerBefore.put(m, fencer.map(f -> new long[] {cpuTicks(f), wakeups(f)}).orElse(new long[2]));
            }
            Thread.sleep(Duration.ofSeconds(idle).toMillis());
            Range rss = new Range();
            Range pss = new Range();
            Range threads = new Range();
            Range cpu = new Range();
            for (ClusterMember m : cluster.members()) {
                long pid = m.agentPid();
                Map<String, ThreadSample> after = threadSamples(pid);
                double cpuPerMinute = (cpuTicks(pid) - cpuBefore.get(m)) / 100.0 * 60.0 / idle;
                double rssMb = kb(pid, "status", "VmRSS") / 1024.0;
                double pssMb = kb(pid, "smaps_rollup", "Pss") / 1024.0;
                long threadCount = threads(pid);
                rss.add(rssMb);
                pss.add(pssMb);
                threads.add(threadCount);
                cpu.add(cpuPerMinute);
                System.out.printf("bench: footprint [%s] %s idle %d s: RSS %.1f MB, PSS %.1f MB, %d threads, CPU "
                        + "%.2f s per minute%n", label, m, idle, rssMb, pssMb, threadCount, cpuPerMinute);
                printWakers(label, m, before.get(m), after, idle);
                Optional<Long> fencer = fencers.get(m);
                if (fencer.isPresent() && Files.exists(Path.of("/proc/" + fencer.get()))) {
                    long f = fencer.get();
                    double fencerCpu = (cpuTicks(f) - fencerBefore.get(m)[0]) / 100.0;
                    System.out.printf("bench: footprint [%s] %s fencing supervisor (pid %d): RSS %.1f MB, PSS %.1f MB, "
                            + "CPU %.3f s per minute, %.1f wake-ups per second%n", label, m, f,
                            kb(f, "status", "VmRSS") / 1024.0, kb(f, "smaps_rollup", "Pss") / 1024.0,
                            fencerCpu * 60.0 / idle, (wakeups(f) - fencerBefore.get(m)[1]) / (double) idle);
                } else if (!patroni) {
                    System.out.printf("bench: footprint [%s] %s no fencing supervisor%n", label, m);
                }
            }
            SUMMARY.add(String.format("| %s | %s | %s | %s | %s | %s |", name, patroni ? "Patroni 3.0.2" : "pgha",
                    rss.format("%.0f"), pss.format("%.0f"), threads.format("%.0f"), cpu.format("%.2f")));
        }
    }

    /** Patroni 3.0.2 reports neither "streaming" nor "primary"; its primary's pg_stat_replication tells. */
    private static void awaitStreaming(TestCluster cluster) {
        Waits.awaitTrue("the Patroni primary streams to both replicas", Waits.seconds(180),
                () -> cluster.members().stream().anyMatch(m -> m.queryValue(
                        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").equals(Optional.of("2"))),
                () -> cluster.members().stream().map(m -> m.name() + ": " + m.agentLogTail(3))
                        .reduce("", (a, b) -> a + "\n" + b));
    }

    /** The smallest and largest of a few figures. */
    private static final class Range {
        private double min = Double.MAX_VALUE;
        private double max = -Double.MAX_VALUE;

        void add(double v) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }

        String format(String f) {
            String lo = String.format(f, min);
            String hi = String.format(f, max);
            return lo.equals(hi) ? lo : lo + "–" + hi;
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
