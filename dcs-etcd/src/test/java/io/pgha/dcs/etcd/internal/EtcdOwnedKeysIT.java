package io.pgha.dcs.etcd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.pgha.dcs.etcd.Etcd3DcsProvider;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsClient;
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
 * An idle agent keeps its leader lock and member key with keepalives alone while the cluster watch vouches for them,
 * and goes back to reading and writing them as soon as anyone else touches them (real etcd).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdOwnedKeysIT {
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
            // longer than the ttl: the keys live on keepalives alone
            long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
            int cycles = 0;
            while (System.nanoTime() < until) {
                long before = a.callsStarted();
                assertTrue(a.refreshLeader(), "the holder lost its lock on an idle cycle");
                a.publishMember(record("a", 1));
                assertEquals(2, a.callsStarted() - before,
                        "an idle refresh and an unchanged publish should be two keepalives, nothing more");
                a.read();
                cycles++;
                Timing.pause(Duration.ofMillis(500));
            }
            Member m = a.read().member("a").orElseThrow();
            assertEquals(version, m.version(), "the unchanged record was rewritten");
            assertTrue(a.read().isLeader("a"), "the lock expired although its lease was kept alive");
            assertTrue(cycles > 5);

            a.publishMember(record("a", 2));
            assertTrue(a.read().member("a").orElseThrow().version() > version, "a changed record was not written");
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
