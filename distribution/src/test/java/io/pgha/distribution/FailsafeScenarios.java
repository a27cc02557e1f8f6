package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.WritabilitySampler;
import io.pgha.spi.json.Json;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Failsafe mode on real PostgreSQL and a real DCS server, frozen with SIGSTOP: with every member answering, the
 * primary stays writable through an outage longer than the ttl; with one member's agent frozen too, the same outage
 * takes the primary down before its lock could have expired. A sampler writes to every member several times a second
 * throughout: never two writable members.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class FailsafeScenarios {
    private static final int TTL = TestCluster.TTL;

    private DcsFixture dcs;
    private TestCluster cluster;

    protected abstract DcsFixture startDcs();

    @BeforeAll
    void start() throws Exception {
        dcs = startDcs();
        cluster = TestCluster.create(dcs, "failsafe", 3);
        cluster.startAll();
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(150));
        WritabilitySampler.createTable(leader);
        var answer = leader.send("PATCH", "/config", Map.of("failsafe_mode", true), Duration.ofSeconds(10));
        assertEquals(200, answer.status(), answer.body());
        Waits.awaitTrue("the failsafe key lists all three members", Waits.seconds(30),
                () -> failsafeMembers(leader) == 3, () -> leader.get("/failsafe").body());
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (dcs != null) {
            dcs.close();
        }
    }

    @Test
    @Order(1)
    void outageLongerThanTheTtlKeepsTheConfirmedPrimaryWritable() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(60));
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            sampler.awaitAccepted(leader, Waits.seconds(10));
            long frozen = System.nanoTime();
            dcs.freeze();
            try {
                long pastTheLock = frozen + Duration.ofSeconds(TTL + 10).toNanos();
                Waits.awaitTrue(leader + " still accepts writes " + (TTL + 10) + " s into the outage",
                        Waits.seconds(2 * TTL + 30), () -> sampler.acceptedSince(leader.name(), pastTheLock),
                        sampler::recentRounds);
                report("DCS frozen for more than ttl %d s: %s kept accepting writes (%s)", TTL, leader,
                        leader.logSince(0).contains("continue to run as a leader because failsafe mode is enabled")
                                ? "failsafe confirmed by every member" : "no failsafe line in its log");
            } finally {
                dcs.thaw();
            }
            ClusterMember after = cluster.awaitHealthy(Waits.seconds(120));
            sampler.stop();
            sampler.assertNeverTwoWritable();
            report("DCS thawed: %s leads; never two writable (%s)", after, sampler.summary());
        }
    }

    @Test
    @Order(2)
    void outageWithAnUnreachableMemberTakesThePrimaryDown() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(60));
        ClusterMember silent = cluster.others(leader).get(0);
        try (WritabilitySampler sampler = WritabilitySampler.start(cluster.members())) {
            sampler.awaitAccepted(leader, Waits.seconds(10));
            silent.sigstop();
            long frozen = System.nanoTime();
            dcs.freeze();
            try {
                Waits.awaitTrue(leader + " stops accepting writes: " + silent + " cannot confirm it",
                        Waits.seconds(TTL + 10), () -> sampler.lastAccepted(leader.name())
                                .map(last -> sampler.refusedEverySince(leader.name(), last, 12)).orElse(true),
                        sampler::recentRounds);
                double downAfter = Waits.seconds(frozen, sampler.lastAccepted(leader.name()).orElse(frozen));
                report("DCS frozen with %s's agent stopped: last write on %s %s into the outage (ttl %d s)", silent,
                        leader, Waits.fmt(downAfter), TTL);
                assertTrue(downAfter < TTL, "the primary must stop before its lock could expire; it accepted a write "
                        + Waits.fmt(downAfter) + " into the outage");
            } finally {
                dcs.thaw();
                silent.sigcont();
            }
            ClusterMember after = cluster.awaitHealthy(Waits.seconds(150));
            sampler.stop();
            sampler.assertNeverTwoWritable();
            report("DCS thawed: %s leads; never two writable (%s)", after, sampler.summary());
        }
    }

    private static int failsafeMembers(ClusterMember m) {
        ClusterMember.Answer a = m.get("/failsafe");
        if (a.status() != 200) {
            return 0;
        }
        return Json.parseObject(a.body()).size();
    }

    private void report(String format, Object... args) {
        System.out.println("it: [" + getClass().getSimpleName() + "] "
                + String.format(java.util.Locale.ROOT, format, args));
    }
}
