package io.pgha.dcs.kubernetes;

import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;

/** The whole DCS contract kit against fabric8's mock API server (CRUD mode), with {@code use_endpoints: true}. */
class KubernetesEndpointsContractTest extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new KubernetesKitFixture(true);
    }
}
