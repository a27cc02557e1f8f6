package io.pgha.testkit.dcs;

/**
 * Optional abilities of a {@link DcsKitFixture}; each one decides whether a group of the {@link DcsContractKit} runs.
 *
 * <p>A fixture must put every capability either in {@link DcsKitFixture#capabilities()} (supported: the group runs)
 * or in {@link DcsKitFixture#unsupported()} with a reason (the group is reported as skipped, with that reason).
 * A capability in neither makes the group's {@code DCS-x.0} test fail, so that a fixture cannot lose a group by
 * forgetting it.
 *
 * @since 1.0
 */
public enum DcsCapability {
    /**
     * {@link DcsKitFixture#stopServer()} makes the store unreachable for every client (the process is stopped, or the
     * port closed) and {@link DcsKitFixture#startServer()} brings it back at the same address with its data, returning
     * once it serves requests. Runs the failure and recovery group (DCS-6).
     */
    SERVER_RESTART,
    /**
     * {@link DcsKitFixture#writeRaw} stores an arbitrary value at a key of a cluster without going through the SPI,
     * and {@link DcsKitFixture#readRaw} returns the cluster's keys and values as the store holds them. Runs the
     * robustness group (DCS-9): garbage in keys must produce warnings, not exceptions.
     */
    RAW_ACCESS,
    /**
     * The store is a key-value store in which Patroni keeps its keys under {@code <namespace><scope>/} (etcd, etcd3,
     * ZooKeeper, Consul; not Kubernetes). Needs {@link #RAW_ACCESS} as well. Runs the layout group (DCS-10): keys at
     * Patroni's paths, values in Patroni's formats, and Patroni-written values read back.
     */
    KEY_VALUE_LAYOUT
}
