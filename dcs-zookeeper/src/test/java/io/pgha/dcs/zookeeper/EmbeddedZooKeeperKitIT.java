package io.pgha.dcs.zookeeper;

import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;

/** The whole DCS contract kit against a standalone ZooKeeper embedded in this JVM. */
class EmbeddedZooKeeperKitIT extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return ZooKeeperKitFixture.embedded();
    }
}
