package io.pgha.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.LoopbackPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three agents in one JVM, each running one peer of an embedded ZooKeeper ensemble through its own client (the
 * quorum mode of {@code zookeeper.embedded}): the ensemble forms, serves the cluster, and survives losing a peer.
 */
class EmbeddedQuorumIT {
    private static final DcsTimings TIMINGS = new DcsTimings(Duration.ofSeconds(6), Duration.ofSeconds(1),
            Duration.ofSeconds(5));

    private final List<DcsClient> clients = new ArrayList<>();

    @AfterEach
    void closeAll() {
        clients.forEach(DcsClient::close);
    }

    private static List<Integer> freePorts(int n) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ports.add(LoopbackPorts.next());
        }
        return ports;
    }

    /** Retries {@code action} while the ensemble is not serving yet (election), up to {@code timeout}. */
    private static <T> T whenServing(Duration timeout, Callable<T> action) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return action.call();
            } catch (DcsUnavailableException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
        }
    }

    @Test
    @DisplayName("three embedded peers form an ensemble that keeps serving, and racing, with one peer stopped")
    void quorum(@TempDir Path dir) throws Exception {
        List<Integer> ports = freePorts(9);
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peers.add("127.0.0.1:" + ports.get(3 * i + 1) + ":" + ports.get(3 * i + 2) + ";" + ports.get(3 * i));
        }
        ZooKeeperDcsProvider provider = new ZooKeeperDcsProvider();
        long t0 = System.nanoTime();
        for (int i = 1; i <= 3; i++) {
            Path state = Files.createDirectories(dir.resolve("agent" + i));
            FakeDcsContext ctx = FakeDcsContext.builder().scope("quorum").memberName("node" + i).stateDirectory(state)
                    .timings(TIMINGS).build();
            clients.add(provider.open(new ConfigSection("zookeeper", Map.of("embedded",
                    Map.of("server_id", i, "peers", peers, "tick_time", "200ms"))), ctx));
        }
        DcsClient a = clients.get(0);
        DcsClient b = clients.get(1);
        DcsClient c = clients.get(2);

        Map<String, Object> config = Map.of("ttl", 30L, "loop_wait", 10L);
        assertTrue(whenServing(Duration.ofSeconds(60), () -> a.writeConfig(config, Precondition.absent())));
        System.out.printf("quorum: ensemble served a write %d ms after the first peer started%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        ClusterState seen = whenServing(Duration.ofSeconds(30), c::read);
        assertEquals(Optional.of(config), seen.config().map(x -> x.data()), "a write through peer 1 read through peer 3");

        // the race among all three agents: exactly one wins
        assertEquals(1, race(List.of(a, b, c)), "winners of the three-way race");
        String holder = whenServing(Duration.ofSeconds(10), a::read).leader().orElseThrow().name();

        // stop peer 3: closing its agent's client stops its embedded server too (and frees the lock if it held it)
        c.close();
        clients.remove(c);
        long stopped = System.nanoTime();
        ClusterState afterStop = whenServing(Duration.ofSeconds(30), a::read);
        long config1 = afterStop.config().orElseThrow().version();
        assertTrue(whenServing(Duration.ofSeconds(30), () -> b.writeConfig(Map.of("ttl", 20), Precondition.version(config1))),
                "a CAS write with two of three peers up");
        assertEquals(Optional.of(20L), whenServing(Duration.ofSeconds(10), a::read).config().map(x -> x.data().get("ttl")));
        System.out.printf("quorum: two peers served a CAS write %d ms after the third stopped%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped));

        // free the lock (whoever held it) and race again between the two remaining agents
        if (!holder.equals("node3")) {
            DcsClient h = holder.equals("node1") ? a : b;
            assertTrue(whenServing(Duration.ofSeconds(10), h::releaseLeader));
        }
        Timing.await(Duration.ofSeconds(20), () -> whenServingQuietly(a).map(ClusterState::isUnlocked).orElse(false),
                () -> "the lock did not become free after its holder released it or stopped");
        assertEquals(1, race(List.of(a, b)), "winners of the two-way race with one peer down");
        ClusterState end = whenServing(Duration.ofSeconds(10), b::read);
        assertTrue(end.isLeader("node1") || end.isLeader("node2"), "leader after the race: " + end.leader());
    }

    private static Optional<ClusterState> whenServingQuietly(DcsClient c) {
        try {
            return Optional.of(c.read());
        } catch (DcsUnavailableException e) {
            return Optional.empty();
        }
    }

    private static int race(List<DcsClient> racers) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(racers.size());
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (DcsClient r : racers) {
                results.add(pool.submit(() -> whenServing(Duration.ofSeconds(20), r::acquireLeader)));
            }
            int winners = 0;
            for (Future<Boolean> f : results) {
                if (f.get(60, TimeUnit.SECONDS)) {
                    winners++;
                }
            }
            return winners;
        } finally {
            pool.shutdownNow();
        }
    }
}
