package io.pgha.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.ha.sim.SimMember;
import io.pgha.engine.ha.sim.SimWorld;
import io.pgha.engine.rest.MemberStatus;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Defect 9 of issue 7: what {@code /patroni} says about PostgreSQL is current when served, not a cycle old. */
class RestBridgeLiveStatusTest {

    @Test
    @DisplayName("D9 a primary fenced since the last cycle no longer answers 'running primary'")
    void fencedPrimaryIsReportedAtOnce() {
        try (SimWorld world = new SimWorld(7, SimWorld.Config.defaults())) {
            SimMember n1 = world.addMember("n1", Map.of());
            assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)));
            world.addMember("n2", Map.of());
            assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)));
            RestBridge bridge = new RestBridge(n1.ha(), null, null);
            MemberStatus before = bridge.current();
            assertEquals("running", before.state());
            assertEquals("primary", before.role());

            n1.fencePostgres();
            MemberStatus after = bridge.current();
            assertEquals("stopped", after.state(), "no cycle ran since the fence; the answer is current anyway");
            assertTrue(after.postgres().isEmpty(), "no WAL position of a stopped server");
            assertTrue(after.lockHeldUntil().isEmpty(), "a fenced primary does not claim the lock");
        }
    }
}
