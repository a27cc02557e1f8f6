package io.pgha.dcs.kubernetes;

import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;

/**
 * The contract kit against a real cluster, with the kubeconfig of the environment. Runs only with
 * {@code -Pk8s-real} (see the README): it creates namespaces and pods there.
 */
class KubernetesRealClusterIT extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new RealClusterKitFixture();
    }
}
