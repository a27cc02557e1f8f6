package io.pgha.dcs.zookeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.dcs.zookeeper.ZooKeeperDcsProvider;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.MemberData;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.ZooKeeperProcess;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An idle member's publish on ZooKeeper: an unchanged record that the watch shows untouched costs no call, and any
 * change to the node, by anyone, makes the next publish look and repair it (real ZooKeeper).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZooKeeperIdleCycleIT {
    private static final DcsTimings TIMINGS =
            new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(3));
    private ZooKeeperProcess zk;
    private CuratorFramework raw;

    @BeforeAll
    void start() {
        zk = ZooKeeperProcess.start();
        raw = CuratorFrameworkFactory.newClient(zk.connectString(), new RetryOneTime(200));
        raw.start();
    }

    @AfterAll
    void stop() {
        if (raw != null) {
            raw.close();
        }
        if (zk != null) {
            zk.close();
        }
    }

    private ZooKeeperDcsClient open(String scope, String member) {
        return (ZooKeeperDcsClient) new ZooKeeperDcsProvider().open(
                new ConfigSection("zookeeper", Map.of("hosts", zk.connectString())),
                FakeDcsContext.of("/service/", scope, member, TIMINGS));
    }

    private static Set<ChangeKind> watched(ZooKeeperDcsClient c) {
        Set<ChangeKind> seen = ConcurrentHashMap.newKeySet();
        c.watch(seen::add);
        Timing.await(Duration.ofSeconds(10), () -> seen.contains(ChangeKind.OTHER),
                () -> "the watch did not finish its first load");
        return seen;
    }

    private static MemberData record(String name, long xlog) {
        return MemberData.builder().put("conn_url", "postgres://127.0.0.1:5432/postgres")
                .put("api_url", "http://127.0.0.1:8008/patroni").put("state", "running").put("role", "replica")
                .put("xlog_location", xlog).put("owner", name).build();
    }

    /** Publishes {@code r} until a publish costs no call (the watch has delivered the events of our own writes). */
    private static void publishUntilVouched(ZooKeeperDcsClient c, MemberData r) {
        Timing.await(Duration.ofSeconds(10), () -> {
            long before = c.callsStarted();
            c.publishMember(r);
            return c.callsStarted() == before;
        }, () -> "an unchanged member record is still checked in the store on every publish");
    }

    @Test
    @DisplayName("an unchanged member record the watch shows untouched is published without a call")
    void idlePublishIsFree() {
        try (ZooKeeperDcsClient a = open("zk-idle", "a"); ZooKeeperDcsClient b = open("zk-idle", "b")) {
            watched(a);
            a.publishMember(record("a", 1));
            publishUntilVouched(a, record("a", 1));
            for (int i = 0; i < 5; i++) {
                long before = a.callsStarted();
                a.publishMember(record("a", 1));
                assertEquals(before, a.callsStarted(), "an idle publish made a call");
                Timing.pause(Duration.ofMillis(100));
            }
            long before = a.callsStarted();
            a.publishMember(record("a", 2));
            assertTrue(a.callsStarted() > before, "a changed record was not written");
            assertEquals(2L, b.read().member("a").orElseThrow().data().xlogLocation().orElseThrow(),
                    "another client does not see the changed record");
        }
    }

    @Test
    @DisplayName("a member node deleted or changed by someone else is repaired at the next publish")
    void foreignChangesAreRepaired() throws Exception {
        try (ZooKeeperDcsClient a = open("zk-foreign", "a"); ZooKeeperDcsClient b = open("zk-foreign", "b")) {
            Set<ChangeKind> seen = watched(a);
            a.publishMember(record("a", 7));
            publishUntilVouched(a, record("a", 7));

            seen.clear();
            raw.delete().forPath("/service/zk-foreign/members/a");
            Timing.await(Duration.ofSeconds(10), () -> seen.contains(ChangeKind.MEMBERS),
                    () -> "the watch did not report the deletion");
            a.publishMember(record("a", 7));
            assertEquals(7L, b.read().member("a").orElseThrow().data().xlogLocation().orElseThrow(),
                    "the deleted member key was not written again");

            publishUntilVouched(a, record("a", 7));
            seen.clear();
            raw.setData().forPath("/service/zk-foreign/members/a", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Timing.await(Duration.ofSeconds(10), () -> seen.contains(ChangeKind.MEMBERS),
                    () -> "the watch did not report the change");
            a.publishMember(record("a", 7));
            assertEquals(7L, b.read().member("a").orElseThrow().data().xlogLocation().orElseThrow(),
                    "the overwritten member key was not written again");
        }
    }

    @Test
    @DisplayName("without a watch every publish checks the store")
    void withoutWatchEveryPublishChecks() {
        try (ZooKeeperDcsClient a = open("zk-nowatch", "a")) {
            a.publishMember(record("a", 1));
            for (int i = 0; i < 3; i++) {
                long before = a.callsStarted();
                a.publishMember(record("a", 1));
                assertEquals(before + 1, a.callsStarted(), "without a watch a publish must check the store");
            }
        }
    }
}
