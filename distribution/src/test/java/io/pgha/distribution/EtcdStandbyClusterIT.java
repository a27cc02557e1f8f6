package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.EtcdFixture;

class EtcdStandbyClusterIT extends StandbyClusterScenarios {
    @Override
    protected DcsFixture startDcs() {
        return EtcdFixture.launch();
    }
}
