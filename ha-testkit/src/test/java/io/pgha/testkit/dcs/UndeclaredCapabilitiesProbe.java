package io.pgha.testkit.dcs;

import java.util.Set;

/**
 * A kit run whose fixture declares no optional capability at all: run only through {@link KitSelfTest} (the name keeps
 * surefire from picking it up by itself).
 */
class UndeclaredCapabilitiesProbe extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new InMemoryDcsFixture() {
            @Override
            public Set<DcsCapability> capabilities() {
                return Set.of();
            }
        };
    }
}
