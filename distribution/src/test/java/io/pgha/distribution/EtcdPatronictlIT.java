package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.EtcdFixture;

/** The real patronictl against pgha on etcd 3.4 (Patroni's {@code etcd3} section). */
class EtcdPatronictlIT extends PatronictlScenarios {
    @Override
    protected DcsFixture startDcs() {
        return EtcdFixture.launch();
    }
}
