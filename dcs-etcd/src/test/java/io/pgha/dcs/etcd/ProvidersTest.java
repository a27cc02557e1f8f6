package io.pgha.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.server.LoopbackPorts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProvidersTest {
    private static final DcsTimings FAST = new DcsTimings(Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofSeconds(1));

    @Test
    void bothSectionsAreRegistered() {
        TreeSet<String> names = ServiceLoader.load(DcsProvider.class).stream().map(p -> p.get().name())
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(names.containsAll(List.of("etcd", "etcd3")), names::toString);
    }

    @Test
    void theV2SectionIsAcceptedWithAWarningThatPghaSpeaksV3() {
        List<ConfigProblem> problems = new EtcdDcsProvider().validate(new ConfigSection("etcd", Map.of("host", "h:2379")));
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).toString().startsWith("etcd: pgha speaks etcd's v3 API"), problems::toString);
        assertTrue(new Etcd3DcsProvider().validate(new ConfigSection("etcd3", Map.of("host", "h:2379"))).isEmpty());
    }

    @Test
    void openRejectsAnInvalidSectionWithEveryProblem() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> new Etcd3DcsProvider().open(
                new ConfigSection("etcd3", Map.of("protocol", "gopher", "username", "u")),
                FakeDcsContext.of("/service/", "batman", "node1", FAST)));
        List<String> paths = e.problems().stream().filter(ConfigProblem::isError).map(ConfigProblem::path).toList();
        assertEquals(List.of("etcd3.protocol", "etcd3", "etcd3.password"), paths, e.getMessage());
    }

    @Test
    void openChecksTheTlsFiles() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> new Etcd3DcsProvider().open(
                new ConfigSection("etcd3", Map.of("hosts", "h:2379", "protocol", "https", "cacert", "/nonexistent/ca.pem",
                        "cert", "/nonexistent/c.pem", "key", "/nonexistent/k.pem")),
                FakeDcsContext.of("/service/", "batman", "node1", FAST)));
        assertEquals(List.of("etcd3.cacert", "etcd3.cert", "etcd3.key"),
                e.problems().stream().map(ConfigProblem::path).toList(), e.getMessage());
    }

    @Test
    void openDoesNotContactTheStoreAndTheFirstOperationFailsWithinRetryTimeout() throws Exception {
        int port = LoopbackPorts.next(); // nothing listens there, and no other test binds it
        ConfigSection section = new ConfigSection("etcd3", Map.of("host", "127.0.0.1:" + port));
        // the first open in a JVM loads jetcd, gRPC and Netty; the bound is on a warm one
        new Etcd3DcsProvider().open(section, FakeDcsContext.of("/service/", "batman", "warmup", FAST)).close();
        long t0 = System.nanoTime();
        try (DcsClient c = new Etcd3DcsProvider().open(section, FakeDcsContext.of("/service/", "batman", "node1", FAST))) {
            long opened = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(opened < 500, "open() took " + opened + " ms without contacting etcd");
            long t1 = System.nanoTime();
            DcsUnavailableException e = assertThrows(DcsUnavailableException.class, c::read);
            long took = (System.nanoTime() - t1) / 1_000_000;
            assertTrue(took >= 900 && took < 3000, "read() failed after " + took + " ms, retry_timeout is 1000 ms");
            assertEquals("DCS_UNAVAILABLE", e.code());
            assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        }
    }
}
