package io.pgha.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.ZooKeeperProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HA loop's per-cycle read on ZooKeeper: the last read again while the watch reports nothing, a fresh one after
 * any change, ours or another client's (real ZooKeeper).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZooKeeperReadRecentIT {
    private static final DcsTimings TIMINGS =
            new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(3));
    private ZooKeeperProcess zk;

    @BeforeAll
    void start() {
        zk = ZooKeeperProcess.start();
    }

    @AfterAll
    void stop() {
        if (zk != null) {
            zk.close();
        }
    }

    private DcsClient open(String scope, String member) {
        return new ZooKeeperDcsProvider().open(new ConfigSection("zookeeper", Map.of("hosts", zk.connectString())),
                FakeDcsContext.of("/service/", scope, member, TIMINGS));
    }

    /** A running watch, after its first full load, with the kinds of change it reported since. */
    private static Set<ChangeKind> watched(DcsClient c) {
        Set<ChangeKind> seen = ConcurrentHashMap.newKeySet();
        c.watch(seen::add);
        Timing.await(Duration.ofSeconds(10), () -> seen.contains(ChangeKind.OTHER),
                () -> "the watch did not finish its first load");
        return seen;
    }

    @Test
    @DisplayName("readRecent reuses the last read while nothing changes, and reads after any change")
    void readRecentFollowsTheWatch() {
        try (DcsClient a = open("recent", "a"); DcsClient b = open("recent", "b")) {
            assertTrue(a.acquireLeader());
            Set<ChangeKind> seen = watched(a);
            ClusterState first = a.readRecent();
            assertTrue(first.isLeader("a"));
            Timing.pause(Duration.ofMillis(300));
            assertTrue(a.refreshLeader(), "checking the lock is no write and changes nothing");
            assertSame(first, a.readRecent(), "nothing changed, yet readRecent read again");

            seen.clear();
            assertTrue(b.writeConfig(Map.of("ttl", 30L), Precondition.absent()));
            Timing.await(Duration.ofSeconds(10), () -> seen.contains(ChangeKind.CONFIG),
                    () -> "the watch did not report the config write");
            ClusterState second = a.readRecent();
            assertNotSame(first, second);
            assertEquals(Map.of("ttl", 30L), second.config().orElseThrow().data(),
                    "another client's write, reported by the watch, is not in readRecent");

            a.writeStatus(new LeaderStatus(67_108_960L, Map.of(), List.of()));
            ClusterState third = a.readRecent();
            assertEquals(67_108_960L, third.status().optime(), "our own write is not in the next readRecent");
        }
    }

    @Test
    @DisplayName("without a watch readRecent reads every time")
    void withoutWatch() {
        try (DcsClient a = open("recent-nowatch", "a")) {
            ClusterState first = a.readRecent();
            assertNotSame(first, a.readRecent(), "without a watch readRecent must read");
        }
    }
}
