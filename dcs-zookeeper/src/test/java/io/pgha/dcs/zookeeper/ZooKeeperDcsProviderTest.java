package io.pgha.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.testkit.FakeDcsContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ZooKeeperDcsProviderTest {

    @Test
    @DisplayName("the provider is registered for ServiceLoader under the name zookeeper")
    void registered() {
        List<DcsProvider> found = new ArrayList<>();
        Iterator<DcsProvider> it = ServiceLoader.load(DcsProvider.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                DcsProvider p = it.next();
                if (p.name().equals("zookeeper")) {
                    found.add(p);
                }
            } catch (ServiceConfigurationError e) {
                // another jar's broken registration (the test kit's) is not this module's concern
            }
        }
        assertEquals(1, found.size());
        assertTrue(found.get(0) instanceof ZooKeeperDcsProvider);
    }

    @Test
    @DisplayName("validate reports problems with their paths and touches nothing")
    void validate() {
        List<ConfigProblem> problems = new ZooKeeperDcsProvider().validate(
                new ConfigSection("zookeeper", Map.of("hosts", List.of("zk:1", "zk:x"))));
        assertEquals(List.of("zookeeper.hosts[1]"), problems.stream().map(ConfigProblem::path).toList());
        assertEquals(List.of(), new ZooKeeperDcsProvider().validate(new ConfigSection("zookeeper", Map.of("hosts", "zk"))));
    }

    @Test
    @DisplayName("open refuses an invalid section with every problem, before connecting")
    void openInvalid() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> new ZooKeeperDcsProvider().open(
                new ConfigSection("zookeeper", Map.of("hosts", "zk:0", "use_ssl", "no way")),
                FakeDcsContext.of("/service/", "batman", "node1", DcsTimings.PATRONI_DEFAULTS)));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertEquals("INVALID_CONFIG", e.code());
    }
}
