package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.ZooKeeperFixture;

/** {@link SlotScenarios} on ZooKeeper. */
class ZooKeeperSlotsIT extends SlotScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ZooKeeperFixture.launch();
    }
}
