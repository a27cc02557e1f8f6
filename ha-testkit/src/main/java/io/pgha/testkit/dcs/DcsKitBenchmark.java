package io.pgha.testkit.dcs;

import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Measures and prints what an HA loop feels of a backend: the leader-race round trip, the watch wake-up latency and
 * the time to read a cluster of {@link DcsKitFixture#scaleMembers()} members. Figures only, no assertions: call it
 * from a test of the backend (tagged {@code benchmark} if it should not always run).
 *
 * <pre>{@code
 * @Test @Tag("benchmark")
 * void benchmark() {
 *     try (DcsKitFixture f = new EtcdKitFixture()) {
 *         DcsKitBenchmark.run(f);
 *     }
 * }
 * }</pre>
 *
 * @since 1.0
 */
public final class DcsKitBenchmark {
    private static final int RACE_ROUNDS = 20;
    private static final int WATCH_SAMPLES = 10;
    private static final int READ_SAMPLES = 10;

    private DcsKitBenchmark() {
    }

    /**
     * Timing figures in milliseconds.
     *
     * @param samples how many measurements
     * @param median the median
     * @param p90 the 90th percentile
     * @param max the slowest
     */
    public record Stats(int samples, double median, double p90, double max) {
        static Stats of(List<Long> nanos) {
            if (nanos.isEmpty()) {
                return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
            }
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            return new Stats(sorted.size(), sorted.get(sorted.size() / 2) / 1e6,
                    sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.9) - 1)) / 1e6,
                    sorted.get(sorted.size() - 1) / 1e6);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "median %.1f ms, p90 %.1f ms, max %.1f ms (%d samples)", median, p90, max,
                    samples);
        }
    }

    /**
     * What was measured.
     *
     * @param raceClients clients racing in each round
     * @param raceRoundTrip from releasing the racers until every acquireLeader() returned
     * @param watchLatency from calling releaseLeader() until another client's listener was called
     * @param missedWatches releases no listener call arrived for within 5 s
     * @param members members in the read cluster
     * @param memberRead one read() of that cluster
     */
    public record Result(int raceClients, Stats raceRoundTrip, Stats watchLatency, int missedWatches, int members,
            Stats memberRead) {
    }

    /** Runs every measurement against {@code fixture} and prints the figures to standard output. */
    public static Result run(DcsKitFixture fixture) {
        return run(fixture, System.out);
    }

    /** Runs every measurement against {@code fixture} and prints the figures to {@code out}. */
    public static Result run(DcsKitFixture fixture, PrintStream out) {
        String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        List<DcsClient> clients = Collections.synchronizedList(new ArrayList<>());
        try {
            int n = Math.max(5, fixture.raceClients());
            Stats race = race(fixture, "bench-race-" + tag, n, clients);
            out.println("bench: " + fixture.describe() + ": leader race of " + n + " clients: " + race);
            int[] missed = new int[1];
            Stats watch = watch(fixture, "bench-watch-" + tag, clients, missed);
            out.println("bench: " + fixture.describe() + ": watch wake-up after release: " + watch
                    + (missed[0] > 0 ? ", " + missed[0] + " missed" : ""));
            int m = fixture.scaleMembers();
            Stats read = read(fixture, "bench-read-" + tag, m, clients);
            out.println("bench: " + fixture.describe() + ": read of " + m + " members: " + read);
            return new Result(n, race, watch, missed[0], m, read);
        } catch (Exception e) {
            throw new IllegalStateException("benchmark failed: " + e, e);
        } finally {
            for (DcsClient c : clients) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    // the contract kit reports close() failures; a benchmark only measures
                }
            }
        }
    }

    private static DcsClient open(DcsKitFixture fixture, String scope, String member, List<DcsClient> clients) {
        DcsClient c = fixture.open(FakeDcsContext.of(PatroniLayout.DEFAULT_NAMESPACE, scope, member, fixture.timings()));
        clients.add(c);
        return c;
    }

    private static Stats race(DcsKitFixture fixture, String scope, int n, List<DcsClient> clients) throws Exception {
        List<DcsClient> racers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            racers.add(open(fixture, scope, "racer" + i, clients));
        }
        racers.get(0).read();
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "bench-race");
            t.setDaemon(true);
            return t;
        });
        List<Long> samples = new ArrayList<>();
        try {
            for (int round = 0; round < RACE_ROUNDS; round++) {
                CountDownLatch ready = new CountDownLatch(n);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (DcsClient c : racers) {
                    results.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        return c.acquireLeader();
                    }));
                }
                ready.await(30, TimeUnit.SECONDS);
                long t0 = System.nanoTime();
                go.countDown();
                int winner = -1;
                for (int i = 0; i < n; i++) {
                    if (results.get(i).get(1, TimeUnit.MINUTES)) {
                        winner = i;
                    }
                }
                samples.add(System.nanoTime() - t0);
                if (winner >= 0) {
                    racers.get(winner).releaseLeader();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return Stats.of(samples);
    }

    private static Stats watch(DcsKitFixture fixture, String scope, List<DcsClient> clients, int[] missed) {
        DcsClient holder = open(fixture, scope, "holder", clients);
        DcsClient watcher = open(fixture, scope, "watcher", clients);
        ListenerRecorder rec = new ListenerRecorder();
        watcher.watch(rec);
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < WATCH_SAMPLES; i++) {
            long t = System.nanoTime();
            holder.acquireLeader();
            rec.awaitLeaderCall(t, System.nanoTime() + Duration.ofSeconds(5).toNanos());
            // let calls about the acquire drain, so that the next one belongs to the release
            Timing.waitFor(Duration.ofSeconds(2),
                    () -> rec.anyCallSince(System.nanoTime() - Duration.ofMillis(150).toNanos()).isEmpty());
            long before = System.nanoTime();
            holder.releaseLeader();
            Optional<ListenerRecorder.Call> call = rec.awaitLeaderCall(before,
                    System.nanoTime() + Duration.ofSeconds(5).toNanos());
            if (call.isPresent()) {
                samples.add(call.get().nanos() - before);
            } else {
                missed[0]++;
            }
        }
        return Stats.of(samples);
    }

    private static Stats read(DcsKitFixture fixture, String scope, int members, List<DcsClient> clients)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "bench-publish");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                String name = String.format(Locale.ROOT, "member%03d", i);
                done.add(pool.submit(() -> open(fixture, scope, name, clients).publishMember(KitValues.smallMember(name))));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        DcsClient reader = open(fixture, scope, "reader", clients);
        reader.read();
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < READ_SAMPLES; i++) {
            long t0 = System.nanoTime();
            reader.read();
            samples.add(System.nanoTime() - t0);
        }
        return Stats.of(samples);
    }
}
