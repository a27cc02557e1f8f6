package io.pgha.testkit.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Prints the benchmark figures of the in-memory store; the only check is that every measurement happened. */
@Tag("benchmark")
class InMemoryDcsBenchmarkTest {

    @Test
    void benchmark() {
        try (InMemoryDcsFixture fixture = new InMemoryDcsFixture()) {
            DcsKitBenchmark.Result r = DcsKitBenchmark.run(fixture);
            assertEquals(20, r.raceRoundTrip().samples());
            assertEquals(0, r.missedWatches());
            assertEquals(10, r.memberRead().samples());
        }
    }
}
