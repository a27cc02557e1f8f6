package io.pgha.distribution;

import io.pgha.distribution.harness.ConsulFixture;
import io.pgha.distribution.harness.DcsFixture;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The real patronictl (through python3-consul) against pgha on the Consul stand-in: Patroni's own Consul code reads
 * the keys pgha wrote, which checks the layout ({@code service/<scope>/...}, no leading slash) from the other side.
 */
class ConsulPatronictlIT extends PatronictlScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ConsulFixture.launch();
    }

    @Override
    @Test
    @Disabled("patronictl reload, restart and reinit talk to the members' REST API, whatever the DCS; the DCS part (finding"
            + " the members' api_url) is proven by list and switchover here, and the REST part on etcd and ZooKeeper")
    void reloadAndRestart() {
    }

    @Override
    @Test
    @Disabled("see reloadAndRestart")
    void reinitRecreatesAReplica() {
    }
}
