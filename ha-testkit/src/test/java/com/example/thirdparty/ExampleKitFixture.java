package com.example.thirdparty;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.testkit.dcs.DcsCapability;
import io.pgha.testkit.dcs.DcsKitFixture;
import io.pgha.testkit.dcs.InMemoryDcs;
import java.util.EnumSet;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;

/**
 * How a plugin author writes a fixture with nothing but the published kit API: find the provider by name through
 * {@link ServiceLoader}, open clients with a section pointing at "the server", and declare capabilities (how an
 * unsupported one reads in the report is covered by the kit's own self-test).
 */
final class ExampleKitFixture implements DcsKitFixture {
    private final String cluster = UUID.randomUUID().toString();
    private final DcsProvider provider = ServiceLoader.load(DcsProvider.class).stream()
            .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("example")).findFirst()
            .orElseThrow(() -> new AssertionError("the example provider is not registered"));

    private InMemoryDcs server() {
        return InMemoryDcs.shared("example:" + cluster);
    }

    @Override
    public DcsClient open(DcsContext context) {
        return provider.open(new ConfigSection("example", Map.of("cluster", cluster)), context);
    }

    @Override
    public Set<DcsCapability> capabilities() {
        return EnumSet.of(DcsCapability.SERVER_RESTART, DcsCapability.RAW_ACCESS, DcsCapability.KEY_VALUE_LAYOUT);
    }

    @Override
    public Map<DcsCapability, String> unsupported() {
        return Map.of();
    }

    @Override
    public void crashClient(DcsClient client) {
        // a backend whose connection keeps keys alive by itself would close or kill it here
        client.close();
    }

    @Override
    public void stopServer() {
        server().setAvailable(false);
    }

    @Override
    public void startServer() {
        server().setAvailable(true);
    }

    @Override
    public void writeRaw(String namespace, String scope, String relativeKey, String value) {
        server().writeRaw(PatroniLayout.clusterPrefix(namespace, scope) + relativeKey, value);
    }

    @Override
    public Map<String, String> readRaw(String namespace, String scope) {
        return server().readRaw(PatroniLayout.clusterPrefix(namespace, scope));
    }

    @Override
    public String describe() {
        return "example backend";
    }

    @Override
    public void close() {
        InMemoryDcs.closeShared("example:" + cluster);
    }
}
