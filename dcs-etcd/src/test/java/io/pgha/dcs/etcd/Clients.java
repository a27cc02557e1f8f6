package io.pgha.dcs.etcd;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.testkit.FakeDcsContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Opening clients of the etcd3 provider in tests. */
final class Clients {
    private Clients() {
    }

    static DcsTimings timings(long ttlSeconds, long retrySeconds) {
        return new DcsTimings(Duration.ofSeconds(ttlSeconds), Duration.ofSeconds(1), Duration.ofSeconds(retrySeconds));
    }

    /** A section from alternating keys and values. */
    static ConfigSection section(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new ConfigSection("etcd3", m);
    }

    static DcsClient open(ConfigSection section, String scope, String member, DcsTimings timings) {
        return new Etcd3DcsProvider().open(section, FakeDcsContext.of("/service/", scope, member, timings));
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
