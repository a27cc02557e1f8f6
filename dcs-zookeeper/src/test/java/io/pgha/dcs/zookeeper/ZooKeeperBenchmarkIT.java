package io.pgha.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgha.testkit.dcs.DcsKitBenchmark;
import io.pgha.testkit.dcs.DcsKitFixture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Prints the kit's benchmark figures (leader race, watch wake-up, 100-member read) for both ZooKeeper servers. */
class ZooKeeperBenchmarkIT {

    @Test
    @DisplayName("benchmark against the embedded server")
    void embedded() {
        try (DcsKitFixture f = ZooKeeperKitFixture.embedded()) {
            assertEquals(0, DcsKitBenchmark.run(f).missedWatches());
        }
    }

    @Test
    @DisplayName("benchmark against Debian's ZooKeeper")
    void debian() {
        try (DcsKitFixture f = ZooKeeperKitFixture.debian()) {
            assertEquals(0, DcsKitBenchmark.run(f).missedWatches());
        }
    }
}
