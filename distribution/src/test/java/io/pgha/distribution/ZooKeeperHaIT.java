package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.ZooKeeperFixture;

/** The HA scenarios on ZooKeeper 3.8 (Debian {@code zookeeper}), members configured with Patroni's {@code zookeeper}. */
class ZooKeeperHaIT extends HaScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ZooKeeperFixture.launch();
    }
}
