package io.pgha.testkit.dcs;

import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.PatroniLayout;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A {@link DcsKitFixture} over a private {@link InMemoryDcs}: supports every {@link DcsCapability}; "stopping the
 * server" is the store's simulated outage. Also handy wherever a test needs clients on one shared fake store.
 *
 * @since 1.0
 */
public class InMemoryDcsFixture implements DcsKitFixture {
    private final InMemoryDcs store;

    public InMemoryDcsFixture() {
        this(new InMemoryDcs());
    }

    /** A fixture over {@code store}; closing the fixture closes the store. */
    public InMemoryDcsFixture(InMemoryDcs store) {
        this.store = store;
    }

    /** The store behind this fixture. */
    public InMemoryDcs store() {
        return store;
    }

    @Override
    public DcsClient open(DcsContext context) {
        return store.open(context);
    }

    @Override
    public Set<DcsCapability> capabilities() {
        return EnumSet.allOf(DcsCapability.class);
    }

    @Override
    public void stopServer() {
        store.setAvailable(false);
    }

    @Override
    public void startServer() {
        store.setAvailable(true);
    }

    @Override
    public void writeRaw(String namespace, String scope, String relativeKey, String value) {
        store.writeRaw(PatroniLayout.clusterPrefix(namespace, scope) + relativeKey, value);
    }

    @Override
    public Map<String, String> readRaw(String namespace, String scope) {
        return store.readRaw(PatroniLayout.clusterPrefix(namespace, scope));
    }

    @Override
    public String describe() {
        return "in-memory store";
    }

    @Override
    public void close() {
        store.close();
    }
}
