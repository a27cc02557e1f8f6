package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.EtcdFixture;

/** Patroni 3.0.2 and pgha agents in one cluster on etcd 3.4 (Patroni's {@code etcd3} section). */
class EtcdMixedClusterIT extends MixedClusterScenarios {
    @Override
    protected DcsFixture startDcs() {
        return EtcdFixture.launch();
    }
}
