package io.pgha.dcs.kubernetes;

import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;

/** The whole DCS contract kit against fabric8's mock API server (CRUD mode), in the default ConfigMaps mode. */
class KubernetesConfigMapsContractTest extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new KubernetesKitFixture(false);
    }
}
