package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.ZooKeeperFixture;

class ZooKeeperFailsafeIT extends FailsafeScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ZooKeeperFixture.launch();
    }
}
