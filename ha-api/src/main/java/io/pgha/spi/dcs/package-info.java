/**
 * The DCS (distributed configuration store) SPI: how the engine keeps a cluster's shared state — the leader lock,
 * member records, dynamic configuration, the initialize key, failover requests, synchronous-replication state,
 * timeline history and the leader's status — in etcd, ZooKeeper, Consul, Kubernetes or a third-party store.
 *
 * <p>A backend ships a {@link io.pgha.spi.dcs.DcsProvider} registered in
 * {@code META-INF/services/io.pgha.spi.dcs.DcsProvider}. The engine picks the provider whose
 * {@link io.pgha.spi.Provider#name()} matches the DCS section present in the configuration and asks it for a
 * {@link io.pgha.spi.dcs.DcsClient} bound to one cluster.
 *
 * <p>Backends must store keys and values where and how Patroni does for the same store
 * ({@link io.pgha.spi.dcs.PatroniLayout}), so that tools reading Patroni's DCS understand a pgha cluster and a
 * cluster can move node by node. The {@code ha-testkit} artifact holds the contract suite every backend must pass.
 *
 * @since 1.0
 */
package io.pgha.spi.dcs;
