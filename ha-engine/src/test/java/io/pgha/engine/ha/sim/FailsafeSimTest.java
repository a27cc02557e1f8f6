package io.pgha.engine.ha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Failsafe mode in the simulated world, every invariant (no two writable members, no lost acknowledged write beyond
 * the allowed lag) checked after every event.
 */
@DisplayName("failsafe mode")
class FailsafeSimTest {
    private SimWorld world;
    private SimMember n1;
    private SimMember n2;
    private SimMember n3;

    @AfterEach
    void close() {
        if (world != null) {
            world.close();
        }
    }

    private void up(boolean failsafe) {
        world = new SimWorld(7, SimWorld.Config.defaults());
        world.failsafe(failsafe);
        n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        n2 = world.addMember("n2", Map.of());
        n3 = world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), world.describe());
        if (failsafe) {
            assertTrue(world.runUntil(() -> world.cluster().failsafe().map(Map::size).orElse(0) == 3,
                    Duration.ofMinutes(1)), "the leader publishes the failsafe key\n" + world.describe());
        }
    }

    private Duration ttl() {
        return world.config().timings().ttl();
    }

    @Test
    @DisplayName("a DCS outage keeps the primary writable while every member confirms it")
    void outageSurvived() {
        up(true);
        world.setDcsOutage(true);
        world.runFor(ttl().multipliedBy(4));
        assertTrue(n1.pg.writable(), "n1 still the primary\n" + world.describe());
        assertEquals(0, n1.pg.fences, "never fenced");
        assertFalse(n2.pg.writable() || n3.pg.writable());
        world.setDcsOutage(false);
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), "n1 leads again with the "
                + "DCS back\n" + world.describe());
    }

    @Test
    @DisplayName("without failsafe mode the same outage demotes the primary")
    void outageWithoutFailsafe() {
        up(false);
        world.setDcsOutage(true);
        world.runFor(ttl().multipliedBy(2));
        assertFalse(n1.pg.writable(), "n1 demoted\n" + world.describe());
    }

    @Test
    @DisplayName("a DCS outage with one member unreachable demotes the primary")
    void outageWithAMemberMissing() {
        up(true);
        n3.httpUnreachable = true;
        world.setDcsOutage(true);
        world.runFor(ttl());
        assertFalse(n1.pg.writable(), "n1 demoted: n3 could not confirm it\n" + world.describe());
        assertFalse(n2.pg.writable() || n3.pg.writable());
    }

    @Test
    @DisplayName("a leader cut off from the DCS alone keeps leading while its replicas confirm it; they do not race")
    void leaderCutOffFromDcs() {
        up(true);
        world.setDcsCutOff("n1", true);
        world.runFor(ttl().multipliedBy(4));
        assertTrue(n1.pg.writable(), "n1 still the primary\n" + world.describe());
        assertFalse(n2.pg.writable() || n3.pg.writable(), "no replica promoted\n" + world.describe());
    }

    @Test
    @DisplayName("a leader isolated from everything demotes, and a replica takes over only after that")
    void leaderIsolated() {
        up(true);
        world.setDcsCutOff("n1", true);
        world.runFor(ttl());
        n1.httpUnreachable = true;
        assertTrue(world.runUntil(() -> world.leader().filter(l -> !l.equals("n1")).isPresent()
                && world.member(world.leader().get()).pg.writable(), ttl().multipliedBy(4)),
                "a replica took over\n" + world.describe());
        assertFalse(n1.pg.writable());
    }
}
