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
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.EtcdProcess;
import io.pgha.testkit.server.LoopbackPorts;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Several endpoints: a dead one listed first, and a three-member etcd cluster losing members under a client. */
class EtcdMultiEndpointIT {
    private static final Timing T = Timing.current();
    private final DcsTimings timings = new DcsTimings(T.seconds(20), T.seconds(1), T.seconds(4));

    /** Nothing listens there: no other test binds a port of this JVM's block. */
    private static int deadPort() {
        return LoopbackPorts.next();
    }

    @Test
    @DisplayName("a dead endpoint listed first: every operation goes to the live one without waiting for the dead one")
    void deadEndpointFirst() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start()) {
            ConfigSection section = Clients.section("hosts", List.of("127.0.0.1:" + deadPort(), etcd.hostPort()));
            try (DcsClient a = Clients.open(section, "dead-first", "a", timings);
                    DcsClient b = Clients.open(section, "dead-first", "b", timings)) {
                Recorder rec = new Recorder();
                b.watch(rec);
                long first = System.nanoTime();
                b.read(); // the first call of a JVM loads classes and connects
                first = System.nanoTime() - first;
                long slowest = 0;
                for (int i = 0; i < 20; i++) {
                    long t0 = System.nanoTime();
                    a.publishMember(MemberData.builder().put("state", "running").put("xlog_location", i).build());
                    b.read();
                    slowest = Math.max(slowest, System.nanoTime() - t0);
                }
                long w = System.nanoTime();
                assertTrue(a.acquireLeader());
                assertTrue(rec.await(ChangeKind.LEADER, w, T.seconds(2)) > 0, "the watch missed the acquire");
                assertTrue(b.read().isLeader("a"));
                System.out.println("dead endpoint first: first read " + ms(first) + " ms, then slowest publish+read "
                        + ms(slowest) + " ms");
                assertTrue(ms(first) < timings.retryTimeout().toMillis(), "the first read took " + ms(first) + " ms");
                assertTrue(ms(slowest) < T.seconds(0.5).toMillis(), "an operation took " + ms(slowest) + " ms");
            }
        }
    }

    @Test
    @DisplayName("a three-member cluster: the client rides out one member down, fails in time without quorum, recovers")
    void threeMembers() {
        List<EtcdProcess> cluster = EtcdProcess.startCluster(3);
        try {
            ConfigSection section = Clients.section("hosts",
                    cluster.stream().map(EtcdProcess::hostPort).collect(Collectors.joining(",")));
            try (DcsClient holder = Clients.open(section, "three", "holder", timings);
                    DcsClient watcher = Clients.open(section, "three", "watcher", timings)) {
                Recorder rec = new Recorder();
                watcher.watch(rec);
                assertTrue(holder.acquireLeader());
                holder.publishMember(MemberData.builder().put("state", "running").build());
                Leader lock = watcher.read().leader().orElseThrow();

                // one member down (whichever it is, raft leader or not): every call still succeeds
                for (int down = 0; down < 3; down++) {
                    EtcdProcess m = cluster.get(down);
                    m.stop();
                    long slowest = 0;
                    for (int i = 0; i < 10; i++) {
                        long t0 = System.nanoTime();
                        assertTrue(holder.refreshLeader(), "refresh failed with " + m.name() + " down");
                        holder.publishMember(MemberData.builder().put("state", "running").put("i", i).build());
                        ClusterState s = watcher.read();
                        assertEquals(Optional.of("holder"), s.leader().map(Leader::name));
                        slowest = Math.max(slowest, System.nanoTime() - t0);
                    }
                    System.out.println("three members, " + m.name() + " down: slowest refresh+publish+read "
                            + ms(slowest) + " ms");
                    m.startAndWait();
                }
                assertEquals(lock.session(), watcher.read().leader().orElseThrow().session(),
                        "the lock moved to another lease");

                // two down: no quorum, calls fail within retry_timeout
                cluster.get(0).stop();
                cluster.get(1).stop();
                long t0 = System.nanoTime();
                assertThrows(DcsUnavailableException.class, watcher::read);
                long took = ms(System.nanoTime() - t0);
                assertTrue(took <= timings.retryTimeout().plus(T.seconds(1.5)).toMillis(), "read without quorum took " + took + " ms");
                cluster.get(1).launch();
                cluster.get(0).launch();
                cluster.get(0).awaitHealthy(T.seconds(30));
                cluster.get(1).awaitHealthy(T.seconds(30));
                long back = System.nanoTime();
                assertTrue(Timing.waitFor(T.seconds(10), () -> {
                    try {
                        return holder.refreshLeader();
                    } catch (DcsUnavailableException e) {
                        return false;
                    }
                }), "the holder did not get its lock back after quorum returned");
                System.out.println("three members: quorum lost, read failed after " + took + " ms; lock refreshed "
                        + ms(System.nanoTime() - back) + " ms after quorum returned");
                long w = System.nanoTime();
                assertTrue(holder.releaseLeader());
                assertTrue(rec.await(ChangeKind.LEADER, w, T.seconds(3)) > 0, "the watch missed the release");
            }
        } finally {
            cluster.forEach(EtcdProcess::close);
        }
    }
}
