package io.pgha.dcs.zookeeper;

import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;

/** The whole DCS contract kit against Debian's ZooKeeper server ({@code apt-get install zookeeper}) in a child process. */
class DebianZooKeeperKitIT extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return ZooKeeperKitFixture.debian();
    }
}
