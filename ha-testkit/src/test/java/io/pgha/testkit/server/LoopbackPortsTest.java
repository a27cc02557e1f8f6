package io.pgha.testkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    @Test
    @DisplayName("hands out distinct ports below the ephemeral range that a server can bind")
    void distinctBindablePortsOutsideTheEphemeralRange() throws IOException {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = LoopbackPorts.next();
            assertTrue(seen.add(port), "port " + port + " handed out twice");
            assertTrue(port >= LoopbackPorts.FIRST && port < LoopbackPorts.ephemeralLow(),
                    port + " is outside " + LoopbackPorts.FIRST + ".." + LoopbackPorts.ephemeralLow());
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, s.getLocalPort());
            }
        }
    }

    @Test
    @DisplayName("skips a port something else listens on")
    void skipsPortsInUse() throws IOException {
        int probe = LoopbackPorts.next();
        // hold the port right after the probe, which is where the cursor now points
        try (ServerSocket held = new ServerSocket(probe + 1, 1, InetAddress.getLoopbackAddress())) {
            int next = LoopbackPorts.next();
            assertNotEquals(held.getLocalPort(), next);
            assertTrue(next > probe, next + " should come after " + probe);
        }
    }

    @Test
    @DisplayName("a second claimer (another JVM's) gets another block")
    void blocksAreExclusive() {
        LoopbackPorts.next(); // this JVM's own block is claimed
        LoopbackPorts.Block other = LoopbackPorts.claim();
        assertNotNull(other, "a second block should be free");
        int own = LoopbackPorts.next();
        assertTrue(own < other.start || own >= other.end,
                "port " + own + " of this JVM lies in the other claimer's block " + other.start + ".." + other.end);
        assertTrue(other.end <= LoopbackPorts.ephemeralLow());
    }

    @Test
    @DisplayName("consecutive ports are free together")
    void consecutive() throws IOException {
        int first = LoopbackPorts.consecutive(3);
        for (int p = first; p < first + 3; p++) {
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(p, s.getLocalPort());
            }
        }
    }
}
