package io.pgha.distribution;

import io.pgha.distribution.harness.ConsulFixture;
import io.pgha.distribution.harness.DcsFixture;

/**
 * The real patronictl (through python3-consul) against pgha on the Consul stand-in: Patroni's own Consul code reads
 * the keys pgha wrote, which checks the layout ({@code service/<scope>/...}, no leading slash) from the other side.
 */
class ConsulPatronictlIT extends PatronictlScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ConsulFixture.launch();
    }
}
