package io.pgha.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgha.testkit.dcs.DcsKitBenchmark;
import org.junit.jupiter.api.Test;

/** The kit's benchmark against a real etcd: prints the leader-race, watch and 100-member read timings. */
class EtcdBenchmarkIT {

    @Test
    void benchmark() {
        try (EtcdKitFixture fixture = new EtcdKitFixture()) {
            DcsKitBenchmark.Result r = DcsKitBenchmark.run(fixture);
            assertEquals(0, r.missedWatches(), "watch notifications were missed: " + r);
        }
    }
}
