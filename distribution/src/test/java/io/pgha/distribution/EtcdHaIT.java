package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.EtcdFixture;

/** The HA scenarios on etcd 3.4 (Debian {@code etcd-server}), members configured with Patroni's {@code etcd3}. */
class EtcdHaIT extends HaScenarios {
    @Override
    protected DcsFixture startDcs() {
        return EtcdFixture.launch();
    }
}
