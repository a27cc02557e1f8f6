package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.EtcdFixture;

class EtcdSyncIT extends SyncScenarios {
    @Override
    protected DcsFixture startDcs() {
        return EtcdFixture.launch();
    }
}
