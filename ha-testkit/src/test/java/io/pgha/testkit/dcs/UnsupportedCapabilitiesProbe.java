package io.pgha.testkit.dcs;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/** A kit run whose fixture declares every optional capability unsupported, with reasons; see {@link KitSelfTest}. */
class UnsupportedCapabilitiesProbe extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new InMemoryDcsFixture() {
            @Override
            public Set<DcsCapability> capabilities() {
                return Set.of();
            }

            @Override
            public Map<DcsCapability, String> unsupported() {
                Map<DcsCapability, String> m = new EnumMap<>(DcsCapability.class);
                for (DcsCapability c : DcsCapability.values()) {
                    m.put(c, "probe reason for " + c);
                }
                return m;
            }
        };
    }
}
