package io.pgha.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider's zero-setup mode: a standalone ZooKeeper started by the client itself. */
class EmbeddedModeIT {
    private static final DcsTimings TIMINGS = new DcsTimings(Duration.ofSeconds(4), Duration.ofSeconds(1),
            Duration.ofSeconds(5));

    private final ZooKeeperDcsProvider provider = new ZooKeeperDcsProvider();

    static int freePort() {
        return LoopbackPorts.next();
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    @DisplayName("the embedded server starts with the client, stops with it, and keeps its data across a restart")
    void restartKeepsData(@TempDir Path state) throws Exception {
        int port = freePort();
        FakeDcsContext ctx = FakeDcsContext.builder().namespace("/service/").scope("embedded").memberName("node1")
                .stateDirectory(state).timings(TIMINGS).build();
        ConfigSection section = new ConfigSection("zookeeper", Map.of("embedded", Map.of("client_port", port,
                "tick_time", "200ms")));
        Map<String, Object> config = Map.of("ttl", 30L, "loop_wait", 10L, "postgresql", Map.of("use_pg_rewind", true));

        try (DcsClient c = provider.open(section, ctx)) {
            assertTrue(listening(port), "the embedded server does not listen on " + port);
            assertTrue(c.writeConfig(config, Precondition.absent()));
            assertTrue(c.writeInitialize("7234567890123456789", Precondition.absent()));
            assertTrue(c.acquireLeader());
            c.publishMember(MemberData.builder().put("conn_url", "postgres://127.0.0.1:5432/postgres").build());
            assertTrue(c.read().isLeader("node1"));
        }
        assertFalse(listening(port), "closing the client did not stop the embedded server");
        // the default data directory is the plugin's state directory
        assertTrue(Files.isDirectory(state.resolve("zookeeper/data/version-2")), "no ZooKeeper data under " + state);

        try (DcsClient c = provider.open(section, ctx)) {
            ClusterState s = c.read();
            assertEquals(Optional.of(config), s.config().map(x -> x.data()), "config after restart");
            assertEquals(Optional.of("7234567890123456789"), s.initialize(), "initialize after restart");
            // the lock and the member were bound to the closed session
            assertTrue(s.isUnlocked(), "the lock survived the closed session");
            assertEquals(List.of(), s.members());
            assertFalse(c.writeConfig(config, Precondition.absent()), "config is not there any more");
        }
    }

    @Test
    @DisplayName("a cluster bigger than ZooKeeper's 1 MB packet limit still reads in one call")
    void bigCluster(@TempDir Path state) throws Exception {
        int port = freePort();
        FakeDcsContext ctx = FakeDcsContext.builder().scope("big").memberName("node1").stateDirectory(state)
                .timings(TIMINGS).build();
        try (DcsClient c = provider.open(new ConfigSection("zookeeper", Map.of("embedded", Map.of("client_port", port))),
                ctx)) {
            String pad = "x".repeat(600 * 1024);
            // each value is below ZooKeeper's 1 MB limit, together they are above it
            assertTrue(c.writeConfig(Map.of("pad", pad), Precondition.any()));
            c.publishMember(MemberData.builder().put("conn_url", "postgres://h/postgres").put("pad", pad).build());
            ClusterState s = c.read();
            assertEquals(Optional.of(pad), s.config().map(x -> x.data().get("pad")));
            // too big for a member record: skipped with a warning, as PatroniLayout decides
            assertTrue(s.warnings().stream().anyMatch(w -> w.contains("node1")), s.warnings().toString());
        }
    }

    @Test
    @DisplayName("a busy client port fails the start with a clear message")
    void busyPort(@TempDir Path state) throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            FakeDcsContext ctx = FakeDcsContext.builder().scope("busy").memberName("node1").stateDirectory(state)
                    .timings(TIMINGS).build();
            PghaException e = assertThrows(PghaException.class, () -> provider.open(new ConfigSection("zookeeper",
                    Map.of("embedded", Map.of("client_port", busy.getLocalPort()))), ctx));
            assertEquals("ZOOKEEPER_EMBEDDED_START", e.code());
            assertTrue(e.getMessage().contains(":" + busy.getLocalPort()), e.getMessage());
        }
    }
}
