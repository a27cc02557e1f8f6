package io.pgha.testkit.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.MemberData;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What engine tests rely on beyond the contract: fake clocks, the provider, the outage switch. */
class InMemoryDcsTest {
    private static final DcsTimings TIMINGS = new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(10),
            Duration.ofSeconds(10));

    /** A clock tests move by hand. */
    private static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-21T10:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @Test
    void ttlFollowsTheStoreClock() {
        ManualClock clock = new ManualClock();
        try (InMemoryDcs store = new InMemoryDcs(clock)) {
            DcsClient a = store.open(FakeDcsContext.of("/service/", "batman", "node1", TIMINGS));
            assertTrue(a.acquireLeader());
            a.publishMember(MemberData.builder().put("conn_url", "postgres://h:5432/postgres").build());
            clock.advance(Duration.ofSeconds(29));
            assertTrue(a.read().isLeader("node1"));
            assertTrue(a.refreshLeader());
            clock.advance(Duration.ofSeconds(29));
            assertTrue(a.read().isLeader("node1"), "the refresh restarted the ttl");
            assertEquals(List.of(), a.read().members(), "the member was not republished and expired");
            clock.advance(Duration.ofSeconds(2));
            store.sweep();
            assertTrue(a.read().isUnlocked());
            assertFalse(a.refreshLeader());
        }
    }

    @Test
    void outageSwitchFailsEveryClientUntilRestored() {
        try (InMemoryDcs store = new InMemoryDcs()) {
            DcsClient a = store.open(FakeDcsContext.of("/service/", "batman", "node1", TIMINGS));
            store.setAvailable(false);
            assertThrows(DcsUnavailableException.class, a::read);
            assertThrows(DcsUnavailableException.class, a::acquireLeader);
            store.setAvailable(true);
            assertTrue(a.acquireLeader());
        }
    }

    @Test
    void partitionCutsOffOneMemberAndLatencyIsBoundedByRetryTimeout() {
        try (InMemoryDcs store = new InMemoryDcs()) {
            DcsTimings quick = new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMillis(300));
            DcsClient a = store.open(FakeDcsContext.of("/service/", "batman", "node1", quick));
            DcsClient b = store.open(FakeDcsContext.of("/service/", "batman", "node2", quick));
            assertTrue(a.acquireLeader());
            store.setReachable("node1", false);
            assertThrows(DcsUnavailableException.class, a::refreshLeader);
            assertTrue(b.read().isLeader("node1"), "a partition must not touch the keys");
            store.setReachable("node1", true);
            assertTrue(a.refreshLeader());

            store.setLatency(Duration.ofMillis(100));
            long t0 = System.nanoTime();
            assertTrue(b.read().isLeader("node1"));
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() >= 100);
            store.setLatency(Duration.ofSeconds(5));
            t0 = System.nanoTime();
            assertThrows(DcsUnavailableException.class, b::acquireLeader);
            long took = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            assertTrue(took >= 300 && took < 2000, "took " + took + " ms");
            store.setLatency(Duration.ZERO);
            assertTrue(b.read().isLeader("node1"));
        }
    }

    @Test
    void watchReportsTheKindOfChange() {
        try (InMemoryDcs store = new InMemoryDcs()) {
            DcsClient a = store.open(FakeDcsContext.of("/service/", "batman", "node1", TIMINGS));
            List<ChangeKind> kinds = new CopyOnWriteArrayList<>();
            a.watch(kinds::add);
            a.acquireLeader();
            a.writeConfig(Map.of("ttl", 30L), io.pgha.spi.dcs.Precondition.any());
            store.writeRaw("/service/other/leader", "x");
            Timing.await(Duration.ofSeconds(5), () -> kinds.size() >= 2, kinds::toString);
            assertEquals(List.of(ChangeKind.LEADER, ChangeKind.CONFIG), kinds);
        }
    }

    @Test
    void providerIsRegisteredAndSharesNamedStores() {
        DcsProvider p = ServiceLoader.load(DcsProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals("inmemory")).findFirst().orElseThrow();
        ConfigSection section = new ConfigSection("inmemory", Map.of("store", "provider-test"));
        assertEquals(List.of(), p.validate(section));
        try {
            DcsClient a = p.open(section, FakeDcsContext.of("/service/", "batman", "node1", TIMINGS));
            DcsClient b = p.open(section, FakeDcsContext.of("/service/", "batman", "node2", TIMINGS));
            assertTrue(a.acquireLeader());
            assertTrue(b.read().isLeader("node1"));
            assertEquals("node1", InMemoryDcs.shared("provider-test").readRaw("/service/").get("/service/batman/leader"));
        } finally {
            InMemoryDcs.closeShared("provider-test");
        }
        List<ConfigProblem> problems = p.validate(new ConfigSection("inmemory", Map.of("store", " ", "bogus", 1)));
        assertEquals(List.of("inmemory.bogus", "inmemory.store"),
                problems.stream().map(ConfigProblem::path).sorted().toList());
        assertThrows(InvalidConfigException.class, () -> p.open(new ConfigSection("inmemory", Map.of("store", "")),
                FakeDcsContext.of("/service/", "batman", "node1", TIMINGS)));
    }
}
