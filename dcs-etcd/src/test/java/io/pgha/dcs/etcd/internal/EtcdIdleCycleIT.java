package io.pgha.dcs.etcd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.pgha.dcs.etcd.Etcd3DcsProvider;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.MemberData;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.EtcdProcess;
import java.nio.charset.StandardCharsets;
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
 * An idle agent's cycle on etcd: the leader lock and the member key kept with keepalives alone and the cluster read
 * answered from the last read while the cluster watch shows nothing changed, and back to reading and writing as soon
 * as anyone touches the cluster (real etcd).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdIdleCycleIT {
    private static final DcsTimings TIMINGS =
            new DcsTimings(Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(2));
    private EtcdProcess etcd;
    private Client raw;

    @BeforeAll
    void start() {
        etcd = EtcdProcess.start();
        raw = Client.builder().endpoints(etcd.clientUrl()).build();
    }

    @AfterAll
    void stop() {
        if (raw != null) {
            raw.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private EtcdDcsClient open(String scope, String member) {
        ConfigSection section = new ConfigSection("etcd3", Map.of("hosts", List.of(etcd.hostPort())));
        return (EtcdDcsClient) new Etcd3DcsProvider().open(section,
                FakeDcsContext.of("/service/", scope, member, TIMINGS));
    }

    /** A client whose watch runs, as the agent's does, with the kinds of change it has been told of. */
    private static Set<ChangeKind> watched(EtcdDcsClient c) {
        Set<ChangeKind> seen = ConcurrentHashMap.newKeySet();
        c.watch(seen::add);
        Timing.await(Duration.ofSeconds(10), c::watchEstablished, () -> "the watch was not established");
        return seen;
    }

    private static MemberData record(String name, long xlog) {
        return MemberData.builder().put("conn_url", "postgres://127.0.0.1:5432/postgres")
                .put("api_url", "http://127.0.0.1:8008/patroni").put("state", "running").put("role", "replica")
                .put("xlog_location", xlog).put("owner", name).build();
    }

    private void deleteRaw(String key) {
        raw.getKVClient().delete(ByteSequence.from(key, StandardCharsets.UTF_8)).join();
    }

    @Test
    @DisplayName("an idle leader refreshes with one keepalive per key, and an unchanged record is not rewritten")
    void idleCycleIsKeepalivesOnly() {
        try (EtcdDcsClient a = open("owned-idle", "a")) {
            watched(a);
            assertTrue(a.acquireLeader());
            a.publishMember(record("a", 1));
            long version = a.read().member("a").orElseThrow().version();
            a.readRecent();
            // longer than the ttl: the keys live on keepalives alone
            long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
            int cycles = 0;
            long reads = 0;
            while (System.nanoTime() < until) {
                long before = a.callsStarted();
                assertTrue(a.refreshLeader(), "the holder lost its lock on an idle cycle");
                assertEquals(1, a.callsStarted() - before, "an idle refresh should be one keepalive");
                before = a.callsStarted();
                a.readRecent();
                reads += a.callsStarted() - before;
                before = a.callsStarted();
                a.publishMember(record("a", 1));
                assertEquals(1, a.callsStarted() - before, "an unchanged publish should be one keepalive");
                cycles++;
                Timing.pause(Duration.ofMillis(500));
            }
            Member m = a.read().member("a").orElseThrow();
            assertEquals(version, m.version(), "the unchanged record was rewritten");
            assertTrue(a.read().isLeader("a"), "the lock expired although its lease was kept alive");
            assertTrue(cycles > 5);
            assertEquals(1, a.keepAliveStreamsOpened(), "each keepalive should be a message on one open stream");
            // the watch saw no change: the cycle's read is the last one again, until a third of the ttl has passed
            assertTrue(reads >= 2 && reads <= cycles / 2 + 1, reads + " reads in " + cycles + " idle cycles");

            a.publishMember(record("a", 2));
            assertTrue(a.read().member("a").orElseThrow().version() > version, "a changed record was not written");
        }
    }

    @Test
    @DisplayName("readRecent answers from the last read while the watch shows no change, and reads after any change")
    void readRecentFollowsTheWatch() {
        try (EtcdDcsClient a = open("recent", "a"); EtcdDcsClient b = open("recent", "b")) {
            Set<ChangeKind> seen = watched(a);
            long before = a.callsStarted();
            ClusterState first = a.readRecent();
            assertEquals(1, a.callsStarted() - before, "the first readRecent must read");
            before = a.callsStarted();
            assertSame(first, a.readRecent(), "nothing changed, yet readRecent read again");
            assertEquals(0, a.callsStarted() - before);

            seen.clear();
            assertTrue(b.writeConfig(Map.of("ttl", 30L), Precondition.absent()));
            Timing.await(Duration.ofSeconds(10), () -> seen.contains(ChangeKind.CONFIG),
                    () -> "the watch did not report the config write");
            ClusterState second = a.readRecent();
            assertEquals(Map.of("ttl", 30L), second.config().orElseThrow().data(),
                    "another client's write, reported by the watch, is not in readRecent");

            before = a.callsStarted();
            a.writeStatus(new LeaderStatus(67_108_960L, Map.of(), List.of()));
            ClusterState third = a.readRecent();
            assertEquals(67_108_960L, third.status().optime(), "our own write is not in the next readRecent");
            assertEquals(2, a.callsStarted() - before, "a write of ours must make readRecent read");
        }
    }

    @Test
    @DisplayName("without a watch readRecent is a read every time")
    void readRecentWithoutWatchReads() {
        try (EtcdDcsClient a = open("recent-nowatch", "a")) {
            a.readRecent();
            long before = a.callsStarted();
            a.readRecent();
            assertEquals(1, a.callsStarted() - before, "without a watch readRecent must read");
        }
    }

    @Test
    @DisplayName("a lock deleted by someone else is noticed at the next refresh, not vouched for")
    void foreignDeleteOfTheLock() {
        try (EtcdDcsClient a = open("owned-lock", "a"); EtcdDcsClient b = open("owned-lock", "b")) {
            Set<ChangeKind> seen = watched(a);
            assertTrue(a.acquireLeader());
            a.read();
            assertTrue(a.refreshLeader());
            seen.clear();
            deleteRaw("/service/owned-lock/leader");
            Timing.await(Duration.ofSeconds(10), () -> seen.contains(ChangeKind.LEADER),
                    () -> "the watch did not report the deletion");
            assertFalse(a.refreshLeader(), "the holder vouched for a lock someone deleted");
            assertTrue(b.acquireLeader(), "the lock could not be taken after the deletion");
            assertFalse(a.refreshLeader(), "the old holder refreshed the new holder's lock");
            assertTrue(b.refreshLeader());
        }
    }

    @Test
    @DisplayName("a lease revoked by someone else ends the lock at the next refresh, and the next lock gets a new lease")
    void foreignRevokeOfTheLease() {
        try (EtcdDcsClient a = open("owned-revoke", "a")) {
            watched(a);
            assertTrue(a.acquireLeader());
            assertTrue(a.refreshLeader());
            long lease = Long.parseLong(a.read().leader().orElseThrow().session());
            raw.getLeaseClient().revoke(lease).join();
            assertFalse(a.refreshLeader(), "the holder refreshed a lock whose lease was revoked");
            assertTrue(a.acquireLeader(), "the lock could not be taken again after its lease was revoked");
            assertTrue(a.refreshLeader());
            assertTrue(Long.parseLong(a.read().leader().orElseThrow().session()) != lease, "the revoked lease was reused");
        }
    }

    @Test
    @DisplayName("without a watch every refresh reads the lock, so a deletion is seen at once")
    void noWatchNoVouching() {
        try (EtcdDcsClient a = open("owned-nowatch", "a")) {
            assertTrue(a.acquireLeader());
            a.read();
            long before = a.callsStarted();
            assertTrue(a.refreshLeader());
            assertEquals(2, a.callsStarted() - before, "without a watch a refresh is a keepalive and a read");
            deleteRaw("/service/owned-nowatch/leader");
            assertFalse(a.refreshLeader(), "the holder did not notice the deletion");
        }
    }

    @Test
    @DisplayName("a member key deleted by someone else is written again at the next publish")
    void foreignDeleteOfTheMemberKey() {
        try (EtcdDcsClient a = open("owned-member", "a")) {
            Set<ChangeKind> seen = watched(a);
            a.publishMember(record("a", 1));
            a.publishMember(record("a", 1));
            seen.clear();
            deleteRaw("/service/owned-member/members/a");
            Timing.await(Duration.ofSeconds(10), () -> seen.contains(ChangeKind.MEMBERS),
                    () -> "the watch did not report the deletion");
            a.publishMember(record("a", 1));
            assertTrue(a.read().member("a").isPresent(), "the deleted member key was not written again");
        }
    }

    @Test
    @DisplayName("after a restart of etcd the keys are checked again before any keepalive-only refresh")
    void watchBreakEndsVouching() {
        try (EtcdDcsClient a = open("owned-break", "a")) {
            watched(a);
            assertTrue(a.acquireLeader());
            a.publishMember(record("a", 1));
            a.read();
            etcd.stop();
            Timing.await(Duration.ofSeconds(10), () -> !a.watchEstablished(), () -> "the watch did not notice");
            etcd.startAndWait();
            Timing.await(Duration.ofSeconds(30), a::watchEstablished, () -> "the watch did not come back");
            long before = a.callsStarted();
            assertTrue(a.refreshLeader());
            assertEquals(2, a.callsStarted() - before, "after a break the lock must be read again");
            before = a.callsStarted();
            assertTrue(a.refreshLeader());
            assertEquals(1, a.callsStarted() - before, "once read again, a keepalive is enough");
        }
    }
}
