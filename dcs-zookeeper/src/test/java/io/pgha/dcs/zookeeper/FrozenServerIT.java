package io.pgha.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.ZooKeeperProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A hung server (SIGSTOP: connections stay open, nothing answers) is the case where ZooKeeper's own client waits
 * longest (two thirds of the session timeout before it gives up on a connection): calls must still fail within
 * retry_timeout, and work again once the server continues.
 */
class FrozenServerIT {
    private static final DcsTimings TIMINGS = new DcsTimings(Duration.ofSeconds(20), Duration.ofSeconds(2),
            Duration.ofSeconds(2));

    @Test
    @DisplayName("with the server frozen every call fails within retry_timeout; after it continues the client works")
    void frozenServer() {
        try (ZooKeeperProcess zk = ZooKeeperProcess.start()) {
            ZooKeeperDcsProvider provider = new ZooKeeperDcsProvider();
            try (DcsClient c = provider.open(new ConfigSection("zookeeper", Map.of("hosts", zk.connectString())),
                    FakeDcsContext.of("/service/", "frozen", "node1", TIMINGS))) {
                assertTrue(c.acquireLeader());
                zk.pause();
                try {
                    Duration limit = TIMINGS.retryTimeout().plus(Duration.ofSeconds(2));
                    List<Consumer<DcsClient>> ops = List.of(DcsClient::read, DcsClient::refreshLeader,
                            x -> x.writeConfig(Map.of("ttl", 20L), Precondition.any()));
                    for (Consumer<DcsClient> op : ops) {
                        long t0 = System.nanoTime();
                        assertTimeoutPreemptively(limit, () -> assertThrows(DcsUnavailableException.class,
                                () -> op.accept(c)));
                        System.out.println("frozen: a call failed after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                    }
                } finally {
                    zk.resume();
                }
                Timing.await(Duration.ofSeconds(30), () -> {
                    try {
                        return c.read().isLeader("node1");
                    } catch (DcsUnavailableException e) {
                        return false;
                    }
                }, () -> "the client did not read its lock again after the server continued");
                assertTrue(c.refreshLeader(), "the lock was lost although the pause was shorter than the ttl");
            }
        }
    }
}
