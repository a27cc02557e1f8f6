package io.pgha.engine.ha.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.dcs.DcsTimings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation of the HA loop: many seeded schedules of faults against a three-member cluster, every
 * invariant checked after every event. A failure prints its seed; {@code -Dsim.seed=N} replays exactly that run.
 * {@code -Dsim.seeds=N} and {@code -Dsim.firstSeed=N} choose how many and which (the {@code sim-long} profile runs many
 * more than CI's fixed set).
 */
class HaSimulationTest {
    /** The timings a seed runs with, all within Patroni's rule loop_wait + 2 * retry_timeout <= ttl. */
    private static final List<DcsTimings> TIMINGS = List.of(
            timings(30, 10, 10), timings(20, 2, 5), timings(25, 5, 8), timings(20, 10, 5), timings(30, 1, 10));

    private static DcsTimings timings(int ttl, int loopWait, int retry) {
        return new DcsTimings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(retry));
    }

    static SimWorld.Config configFor(long seed) {
        return SimWorld.Config.defaults().withTimings(TIMINGS.get((int) Math.floorMod(seed, TIMINGS.size())));
    }

    /** Runs one seed's schedule; throws the first violated invariant. */
    static void runSeed(long seed, SimWorld.Stats stats) {
        try (SimWorld world = new SimWorld(seed, configFor(seed), stats)) {
            // every third schedule runs in failsafe mode: its DCS outages then keep a confirmed primary running
            world.failsafe(Math.floorMod(seed, 3) == 2 && !Boolean.getBoolean("sim.noFailsafe"));
            new ChaosSchedule(world).run(Duration.ofSeconds(240));
        }
    }

    @Test
    @DisplayName("SIM-1 no seeded schedule of faults breaks an invariant: one writer, bounded loss, a leader and "
            + "streaming replicas once quiet")
    void seededSchedules() {
        String single = System.getProperty("sim.seed");
        long first = single != null ? Long.parseLong(single) : Long.getLong("sim.firstSeed", 1);
        long count = single != null ? 1 : Long.getLong("sim.seeds", 1000);
        SimWorld.Stats total = new SimWorld.Stats();
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        // thousands of schedules log millions of decisions: keep only errors; a failure prints its own trace
        ch.qos.logback.classic.Logger pgha =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.pgha");
        ch.qos.logback.classic.Level level = pgha.getLevel();
        pgha.setLevel(ch.qos.logback.classic.Level.valueOf(System.getProperty("sim.log", "ERROR")));
        try {
            for (long seed = first; seed < first + count; seed++) {
                try {
                    runSeed(seed, total);
                } catch (SimWorld.InvariantViolation e) {
                    failures.add(e.getMessage());
                    System.out.println("sim: FAILED " + e.getMessage().lines().findFirst().orElse(""));
                }
            }
        } finally {
            pgha.setLevel(level);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("sim: %d schedules (%d broke an invariant) in %.1f s: %d cycles, %d events, %d invariant checks (%d in quiet "
                + "periods), %d promotions, %d fences, %d DCS calls (%d failed)%n", count, failures.size(), seconds, total.cycles,
                total.events, total.invariantChecks, total.quietChecks, total.promotions, total.fences,
                total.dcsCalls, total.dcsFailures);
        System.out.println("sim: faults injected: " + total.faults);
        if (!failures.isEmpty()) {
            System.out.println("sim: " + failures.size() + " schedules failed; the first:\n" + failures.get(0));
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + count + " schedules broke an invariant; first:\n"
                + (failures.isEmpty() ? "" : failures.get(0)));
        assertTrue(count < 100 || total.faults.size() >= 17, "every kind of fault was injected: " + total.faults);
    }
}
