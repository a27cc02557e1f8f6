package io.pgha.dcs.etcd;

import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;

/** The whole DCS contract kit against a real etcd, through the {@code etcd3} provider. */
class EtcdDcsContractIT extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new EtcdKitFixture();
    }
}
