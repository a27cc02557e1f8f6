package io.pgha.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.dcs.DcsTimings;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FakeContextTest {

    @Test
    void dcsContextNormalisesTheNamespaceAndHasAPrivateStateDirectory() {
        DcsTimings t = new DcsTimings(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(2));
        FakeDcsContext a = FakeDcsContext.of("service", "batman", "node1", t);
        assertEquals("/service/", a.namespace());
        assertEquals("batman", a.scope());
        assertEquals("node1", a.memberName());
        assertEquals(t, a.timings());
        assertTrue(Files.isDirectory(a.stateDirectory()));
        FakeDcsContext b = a.withMemberName("node2");
        assertEquals("node2", b.memberName());
        assertNotEquals(a.stateDirectory(), b.stateDirectory());
        assertEquals("/service/", FakeDcsContext.builder().namespace(null).build().namespace());
        assertEquals("/a/b/", FakePluginContext.builder().namespace("//a//b").build().namespace());
    }

    @Test
    void timingScalesAndRejectsNonsense() {
        assertEquals(Duration.ofMillis(2500), Timing.of(2.5).seconds(1));
        assertEquals(Duration.ofMillis(500), Timing.of(0.5).scale(Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> Timing.of(0));
        String old = System.getProperty(Timing.PROPERTY);
        try {
            System.setProperty(Timing.PROPERTY, "3");
            assertEquals(3.0, Timing.current().multiplier());
            System.setProperty(Timing.PROPERTY, "fast");
            assertThrows(IllegalArgumentException.class, Timing::current);
        } finally {
            if (old == null) {
                System.clearProperty(Timing.PROPERTY);
            } else {
                System.setProperty(Timing.PROPERTY, old);
            }
        }
    }
}
