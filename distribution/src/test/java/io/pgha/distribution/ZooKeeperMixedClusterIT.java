package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.ZooKeeperFixture;

/** Patroni 3.0.2 and pgha agents in one cluster on ZooKeeper (Patroni through kazoo). */
class ZooKeeperMixedClusterIT extends MixedClusterScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ZooKeeperFixture.launch();
    }
}
