package io.pgha.dcs.consul;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.testkit.dcs.DcsCapability;
import io.pgha.testkit.dcs.DcsKitFixture;
import io.pgha.testkit.server.ConsulStandIn;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The contract kit's fixture for Consul: the testkit's {@link ConsulStandIn} (Consul's HTTP API, in process) on
 * loopback, clients opened through the {@code consul} provider, stop/start of the same stand-in (same port, same
 * data) for the failure group, and raw keys written and read inside the stand-in.
 *
 * <p>The stand-in's {@code session_ttl_min} is lowered to 1 s, as an agent's configuration can: the kit's ttl of 4 s
 * asks for 2 s sessions, below Consul's default minimum of 10 s. It invalidates sessions at twice their TTL, the
 * latest Consul's documentation allows.
 */
final class ConsulKitFixture implements DcsKitFixture {
    private final ConsulStandIn consul;

    ConsulKitFixture() {
        this.consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
    }

    ConsulStandIn consul() {
        return consul;
    }

    @Override
    public DcsClient open(DcsContext context) {
        return new ConsulDcsProvider().open(new ConfigSection("consul", Map.of("url", consul.url())), context);
    }

    @Override
    public Set<DcsCapability> capabilities() {
        return EnumSet.allOf(DcsCapability.class);
    }

    /** Consul refuses values over 512 KiB. */
    @Override
    public int hugeValueSize() {
        return 500 * 1024;
    }

    @Override
    public void stopServer() {
        consul.stop();
    }

    @Override
    public void startServer() {
        consul.start();
    }

    @Override
    public void writeRaw(String namespace, String scope, String relativeKey, String value) {
        consul.put(storeKey(namespace, scope, relativeKey), value);
    }

    @Override
    public Map<String, String> readRaw(String namespace, String scope) {
        return consul.values(storeKey(namespace, scope, ""));
    }

    /** Patroni's Consul keys have no leading slash. */
    @Override
    public String storeKey(String namespace, String scope, String relativeKey) {
        return PatroniLayout.clusterPrefix(namespace, scope).substring(1) + relativeKey;
    }

    @Override
    public String describe() {
        return consul.toString();
    }

    @Override
    public void close() {
        consul.close();
    }
}
