package io.pgha.engine.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.dcs.DcsTimings;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("worst-case timings report")
class TimingReportTest {
    static final Duration FENCE = Duration.ofSeconds(2);

    static DcsTimings t(int ttl, int loopWait, int retry) {
        return new DcsTimings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(retry));
    }

    @Test
    @DisplayName("Patroni's defaults on etcd: failover within ttl + race + promotion, fencing 3.5 s before expiry")
    void defaultsOnEtcd() {
        TimingReport r = TimingReport.of(t(30, 10, 10), "etcd3", FENCE);
        assertEquals(Duration.ofMillis(3500), r.margin(), "2 s stop + max(1 s, ttl/20)");
        assertEquals(Duration.ofMillis(28500), r.demotionDeadline(), "ttl - slack: fencing done by then");
        assertEquals(Duration.ZERO, r.detection(), "etcd's watch reports the expiry at once");
        assertEquals(Duration.ofMillis(30_000 + 12_500 + 2_000), r.worstCaseFailover());
        assertTrue(r.warnings().isEmpty(), r.warnings().toString());
        assertTrue(r.text().contains("worst-case failover after the primary's host dies: 44.5 s"), r.text());
        assertTrue(r.text().contains("demotion deadline"), r.text());
        assertTrue(r.text().contains("fencing margin: 3.5 s"), r.text());
    }

    @Test
    @DisplayName("a DCS without expiry watch adds a loop_wait; Consul's ttl/2 sessions free the lock at ttl, a session "
            + "TTL floor the client reports makes it later")
    void perDcs() {
        assertEquals(Duration.ofSeconds(10), TimingReport.of(t(30, 10, 10), "raft", FENCE).detection());
        assertEquals(Duration.ZERO, TimingReport.of(t(30, 10, 10), "kubernetes", FENCE).detection(),
                "the kubernetes backend's watch wakes followers at the lock's expiry");
        TimingReport consul = TimingReport.of(t(30, 10, 10), "consul", FENCE);
        assertEquals(Duration.ofSeconds(30), consul.lockExpiry());
        assertEquals(Duration.ZERO, consul.detection(), "the blocking query wakes on the lock's deletion");
        DcsTimings policy = t(16, 2, 5);
        assertEquals(Duration.ofSeconds(40), TimingReport.of(policy, "consul", FENCE,
                Optional.of(Duration.ofSeconds(40))).lockExpiry(), "session_ttl_min 20 s: the lock lives 40 s");
        assertEquals(Duration.ofSeconds(16), TimingReport.of(policy, "zookeeper", FENCE,
                Optional.of(Duration.ofSeconds(12))).lockExpiry(), "a shorter grant is the fencing's business");
    }

    @Test
    @DisplayName("ttl below 2 x retry_timeout + margin is called unsafe, with the ttl that would be safe")
    void unsafe() {
        TimingReport r = TimingReport.of(t(20, 5, 10), "zookeeper", FENCE);
        assertTrue(r.unsafe(), r.text());
        assertTrue(r.warnings().get(0).contains("raise ttl to at least 24"), r.warnings().toString());
    }

    @Test
    @DisplayName("ttl 10 / retry_timeout 3 is safe but tight: a cycle's read and observation are budgeted at latency")
    void tight() {
        TimingReport r = TimingReport.of(t(10, 2, 3), "etcd3", FENCE);
        assertTrue(!r.unsafe(), r.text());
        assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith("tight:") && w.contains("ttl 11 s or more")),
                r.warnings().toString());
        assertTrue(TimingReport.of(t(12, 2, 3), "etcd3", FENCE).warnings().stream()
                .noneMatch(w -> w.startsWith("tight:")));
    }

    @Test
    @DisplayName("a ttl far above what safety needs is called slow")
    void slow() {
        TimingReport r = TimingReport.of(t(120, 10, 10), "etcd3", FENCE);
        assertFalse(r.unsafe());
        assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith("slow")), r.warnings().toString());
        assertTrue(TimingReport.of(t(90, 10, 5), "etcd3", FENCE).warnings().stream()
                .anyMatch(w -> w.startsWith("slow")), "ttl 90 with retry 5: over three times the safe minimum");
    }
}
