package io.pgha.dcs.consul;

import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;

/** The whole DCS contract kit on the {@code consul} provider, against the testkit's Consul stand-in. */
class ConsulDcsContractTest extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new ConsulKitFixture();
    }
}
