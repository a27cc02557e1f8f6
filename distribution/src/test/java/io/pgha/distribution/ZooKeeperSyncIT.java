package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.ZooKeeperFixture;

class ZooKeeperSyncIT extends SyncScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ZooKeeperFixture.launch();
    }
}
