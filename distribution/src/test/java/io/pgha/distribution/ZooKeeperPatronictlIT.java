package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.ZooKeeperFixture;

/** The real patronictl (through kazoo) against pgha on Debian's ZooKeeper. */
class ZooKeeperPatronictlIT extends PatronictlScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ZooKeeperFixture.launch();
    }
}
