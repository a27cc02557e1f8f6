package io.pgha.dcs.etcd;

import static io.pgha.dcs.etcd.Clients.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.Leader;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.EtcdProcess;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The same client across an etcd restart (same ports, same data directory) and a frozen etcd (SIGSTOP): operations
 * fail within retry_timeout while it is away, and work again, lock, member key and watch included, when it is back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdRecoveryIT {
    private static final Timing T = Timing.current();
    private EtcdProcess etcd;
    private ConfigSection section;
    private final DcsTimings timings = new DcsTimings(T.seconds(20), T.seconds(1), T.seconds(2));

    @BeforeAll
    void start() {
        etcd = EtcdProcess.start();
        section = Clients.section("hosts", etcd.hostPort());
    }

    @AfterAll
    void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private Duration failLimit() {
        return timings.retryTimeout().plus(T.seconds(1.5));
    }

    private void assertFailsInTime(String what, Runnable op) {
        long t0 = System.nanoTime();
        assertThrows(DcsUnavailableException.class, op::run, what);
        long took = ms(System.nanoTime() - t0);
        assertTrue(took <= failLimit().toMillis(), what + " failed only after " + took + " ms");
    }

    @Test
    @DisplayName("a long outage: the same client fails within retry_timeout, then works again at once when etcd returns")
    void restart() throws Exception {
        String scope = "restart";
        try (DcsClient holder = Clients.open(section, scope, "holder", timings);
                DcsClient watcher = Clients.open(section, scope, "watcher", timings);
                DcsClient other = Clients.open(section, scope, "other", timings)) {
            assertTrue(holder.acquireLeader());
            holder.publishMember(MemberData.builder().put("state", "running").put("role", "primary").build());
            Recorder rec = new Recorder();
            watcher.watch(rec);
            long w0 = System.nanoTime();
            assertTrue(other.writeConfig(Map.of("ttl", 20), Precondition.any()));
            assertTrue(rec.await(ChangeKind.CONFIG, w0, T.seconds(2)) > 0, "watch not working before the outage");
            Leader before = holder.read().leader().orElseThrow();

            // An HA loop keeps calling while etcd is away, as an agent does; every call must fail in time.
            etcd.stop();
            long down = System.nanoTime();
            AtomicInteger failures = new AtomicInteger();
            AtomicLong slowest = new AtomicLong();
            Duration outage = T.seconds(12); // long enough for gRPC's reconnect backoff to reach several seconds
            while (System.nanoTime() - down < outage.toNanos()) {
                long t0 = System.nanoTime();
                assertThrows(DcsUnavailableException.class, holder::refreshLeader);
                slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                failures.incrementAndGet();
                Timing.pause(T.seconds(1));
            }
            assertTrue(ms(slowest.get()) <= failLimit().toMillis(), "a call took " + ms(slowest.get()) + " ms with etcd down");
            assertFailsInTime("read() of the watcher with etcd down", watcher::read);

            etcd.startAndWait();
            long back = System.nanoTime();
            long[] worked = {-1};
            assertTrue(Timing.waitFor(T.seconds(10), () -> {
                try {
                    holder.read();
                    worked[0] = System.nanoTime();
                    return true;
                } catch (DcsUnavailableException e) {
                    return false;
                }
            }), "the client did not work again within 10 s after etcd returned");
            System.out.println("recovery: " + failures.get() + " calls failed during a " + outage.toMillis()
                    + " ms outage (slowest " + ms(slowest.get()) + " ms); the client worked again "
                    + ms(worked[0] - back) + " ms after etcd returned");
            assertTrue(ms(worked[0] - back) < T.seconds(3).toMillis(),
                    "recovery took " + ms(worked[0] - back) + " ms: the client waited for gRPC's reconnect backoff");

            // etcd renews leases on start-up: the lock and the member key survived, and the holder still owns them
            assertTrue(holder.refreshLeader(), "the holder lost its lock across the restart");
            ClusterState s = other.read();
            assertEquals(Optional.of(before), s.leader(), "the lock changed across the restart");
            assertTrue(s.member("holder").isPresent(), "the member key did not survive the restart");

            // the watcher's stream resumed (or was re-created) on its own
            long w1 = System.nanoTime();
            assertTrue(holder.releaseLeader());
            long heard = rec.await(ChangeKind.LEADER, w1, T.seconds(5));
            assertTrue(heard > 0, "the watch did not report a release after the restart; calls: " + rec.calls());
            System.out.println("recovery: watch reported a release " + ms(heard - w1) + " ms after it, post-restart");
        }
    }

    @Test
    @DisplayName("a frozen etcd (SIGSTOP): calls fail within retry_timeout instead of hanging, and work after SIGCONT")
    void paused() {
        String scope = "paused";
        try (DcsClient holder = Clients.open(section, scope, "holder", timings);
                DcsClient watcher = Clients.open(section, scope, "watcher", timings)) {
            assertTrue(holder.acquireLeader());
            Recorder rec = new Recorder();
            watcher.watch(rec);
            assertTrue(Timing.waitFor(T.seconds(2), () -> ((io.pgha.dcs.etcd.internal.EtcdDcsClient) watcher).watchEstablished()));
            etcd.pause();
            try {
                assertFailsInTime("refreshLeader() with etcd frozen", holder::refreshLeader);
                assertFailsInTime("read() with etcd frozen", watcher::read);
            } finally {
                etcd.resume();
            }
            long t0 = System.nanoTime();
            assertTrue(Timing.waitFor(T.seconds(5), () -> {
                try {
                    return holder.refreshLeader();
                } catch (DcsUnavailableException e) {
                    return false;
                }
            }), "the holder could not refresh its lock after SIGCONT");
            System.out.println("pause: lock refreshed " + ms(System.nanoTime() - t0) + " ms after SIGCONT");
            long w = System.nanoTime();
            assertTrue(holder.releaseLeader());
            assertTrue(rec.await(ChangeKind.LEADER, w, T.seconds(2)) > 0, "no watch event after SIGCONT");
        }
    }
}
