package io.pgha.dcs.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.testkit.dcs.DcsCapability;
import io.pgha.testkit.dcs.DcsKitFixture;
import io.pgha.testkit.server.EtcdProcess;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The contract kit's fixture for etcd: one real etcd ({@link EtcdProcess}) on loopback, clients opened through the
 * {@code etcd3} provider, stop/start of the same process (same ports, same data directory) for the failure group,
 * and raw keys through a separate jetcd client.
 */
final class EtcdKitFixture implements DcsKitFixture {
    private final EtcdProcess etcd;
    private final DcsProviderUnderTest provider;

    /** Which provider (and section shape) clients are opened with. */
    interface DcsProviderUnderTest {
        DcsClient open(EtcdProcess etcd, DcsContext context);
    }

    EtcdKitFixture() {
        this((e, ctx) -> new Etcd3DcsProvider().open(new ConfigSection("etcd3", Map.of("hosts", e.hostPort())), ctx));
    }

    EtcdKitFixture(DcsProviderUnderTest provider) {
        this.provider = provider;
        this.etcd = EtcdProcess.start();
    }

    EtcdProcess etcd() {
        return etcd;
    }

    @Override
    public DcsClient open(DcsContext context) {
        return provider.open(etcd, context);
    }

    @Override
    public Set<DcsCapability> capabilities() {
        return EnumSet.allOf(DcsCapability.class);
    }

    @Override
    public void stopServer() {
        etcd.stop();
    }

    @Override
    public void startServer() {
        etcd.startAndWait();
    }

    @Override
    public void writeRaw(String namespace, String scope, String relativeKey, String value) {
        String key = PatroniLayout.clusterPrefix(namespace, scope) + relativeKey;
        raw(c -> c.getKVClient().put(bytes(key), bytes(value)));
    }

    @Override
    public Map<String, String> readRaw(String namespace, String scope) {
        String prefix = PatroniLayout.clusterPrefix(namespace, scope);
        return raw(c -> c.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()).thenApply(r -> {
            Map<String, String> out = new TreeMap<>();
            for (KeyValue kv : r.getKvs()) {
                out.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
            }
            return out;
        }));
    }

    /** A short-lived jetcd client per raw call, so that it never carries a channel across a server restart. */
    private <T> T raw(Function<Client, java.util.concurrent.CompletableFuture<T>> op) {
        try (Client c = Client.builder().endpoints(etcd.clientUrl()).build()) {
            return op.apply(c).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("raw etcd access failed: " + e, e);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Override
    public String describe() {
        return "etcd " + etcd.clientUrl() + " (pid " + (etcd.isRunning() ? etcd.pid() : "-") + ")";
    }

    @Override
    public void close() {
        etcd.close();
    }
}
