package io.pgha.distribution;

import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.EtcdFixture;

/** {@link SlotScenarios} on etcd 3.4. */
class EtcdSlotsIT extends SlotScenarios {
    @Override
    protected DcsFixture startDcs() {
        return EtcdFixture.launch();
    }
}
