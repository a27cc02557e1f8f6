package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.ZooKeeperFixture;

class ZooKeeperStandbyClusterIT extends StandbyClusterScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ZooKeeperFixture.launch();
    }
}
