package io.pgha.testkit.dcs;

import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.testkit.Timing;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * What the {@link DcsContractKit} needs from a backend: a way to open clients against one running store, and the
 * optional powers ({@link DcsCapability}) that some groups of the kit need.
 *
 * <p>A fixture is created once per kit class ({@link DcsContractKit#createFixture()}), with its store already running,
 * and closed after the last test. Every test uses fresh cluster names, so a fixture never needs to clean up between
 * tests. Methods may be called from several threads at once.
 *
 * <h2>Timing</h2>
 * The timing methods have defaults suited to a store on loopback (ttl 4 s, loop_wait 1 s, retry_timeout 2 s), all
 * scaled by {@link Timing#current()} ({@code -Dpgha.test.timing}). Override them when the store has a coarser
 * granularity (a ZooKeeper tick, an etcd minimum lease TTL), and keep the result scaled by {@link Timing#current()}.
 *
 * <h2>"Stops refreshing"</h2>
 * The kit checks the SPI's TTL guarantee in two ways. A leader lock whose holder simply stops calling
 * {@link DcsClient#refreshLeader()} (the client stays open, as in an agent whose HA loop hangs) must vanish within
 * ttl + {@link #expiryTolerance()}. A member key whose owner is abandoned through {@link #crashClient} (as in an agent
 * whose process dies) must vanish within the same bound.
 *
 * @since 1.0
 */
public interface DcsKitFixture extends AutoCloseable {

    /**
     * Opens a client for the cluster and member named by {@code context} (namespace, scope, member name and timings;
     * its state directory is a fresh temporary one). Typically {@code provider.open(section, context)} with a section
     * pointing at the fixture's server. The kit closes every client it opens.
     */
    DcsClient open(DcsContext context);

    /** The optional capabilities this fixture supports. */
    Set<DcsCapability> capabilities();

    /**
     * The capabilities this fixture cannot support, each with the reason (shown on the skipped tests). Every
     * capability must be in {@link #capabilities()} or here; one in neither fails the kit.
     */
    default Map<DcsCapability, String> unsupported() {
        return Map.of();
    }

    /**
     * The timings clients are opened with. Default: ttl 4 s, loop_wait 1 s, retry_timeout 2 s, times
     * {@link Timing#current()}.
     */
    default DcsTimings timings() {
        Timing t = Timing.current();
        return new DcsTimings(t.seconds(4), t.seconds(1), t.seconds(2));
    }

    /**
     * How late, after ttl, an unrefreshed key may still be seen (the store's expiry granularity plus scheduling).
     * Default 2 s times {@link Timing#current()}.
     */
    default Duration expiryTolerance() {
        return Timing.current().seconds(2);
    }

    /**
     * How soon a watch must report a leader-key change after it is visible. The SPI says one second; the default is
     * 1 s times {@link Timing#current()}.
     */
    default Duration watchLatency() {
        return Timing.current().seconds(1);
    }

    /**
     * How much longer than retry_timeout an operation may take to fail with
     * {@link io.pgha.spi.dcs.DcsUnavailableException} while the store is down. Default 2 s times
     * {@link Timing#current()}.
     */
    default Duration unavailableMargin() {
        return Timing.current().seconds(2);
    }

    /**
     * How long after {@link #startServer()} returns a client that saw the outage may take to work again. Default
     * ttl + retry_timeout + 5 s, times {@link Timing#current()} (the ttl and retry_timeout from {@link #timings()}
     * are already scaled).
     */
    default Duration recoveryTimeout() {
        DcsTimings t = timings();
        return t.ttl().plus(t.retryTimeout()).plus(Timing.current().seconds(5));
    }

    /** How many clients race for the lock in the leader-race tests (at least 5). */
    default int raceClients() {
        return 5;
    }

    /** How many members (each with its own client) the scale test publishes. Default 100. */
    default int scaleMembers() {
        return 100;
    }

    /**
     * The size in characters of the "huge value" the robustness tests write with {@link #writeRaw}. Default about
     * 900 KiB; lower it if the store caps values below that (Consul: 512 KiB), keeping it above
     * {@link PatroniLayout#MAX_MEMBER_VALUE}.
     */
    default int hugeValueSize() {
        return 900 * 1024;
    }

    /**
     * Abandons {@code client} the way a dying agent does: after this returns, no refresh or keepalive of it may reach
     * the store, and nothing is deleted on purpose. The kit does not use the client afterwards (it only closes it at
     * the end of the test) and expects its TTL-bound keys to be gone within ttl + {@link #expiryTolerance()} of their
     * last refresh.
     *
     * <p>The default does nothing: the kit simply stops calling the client, which is enough when the client does no
     * background keepalive of its own. Override it when the store ties keys to a live connection that the client
     * keeps alive by itself (a ZooKeeper session, a Consul session renewed in the background): close the connection
     * or expire the session.
     */
    default void crashClient(DcsClient client) {
    }

    /**
     * {@link DcsCapability#SERVER_RESTART}: makes the store unreachable for every client; returns once it is. Clients
     * opened before must see failures, not hang.
     */
    default void stopServer() {
        throw new UnsupportedOperationException(
                getClass().getName() + " declares no SERVER_RESTART support: stopServer() is not implemented");
    }

    /**
     * {@link DcsCapability#SERVER_RESTART}: brings the store back at the same address, with the data it had; returns
     * once it serves requests.
     */
    default void startServer() {
        throw new UnsupportedOperationException(
                getClass().getName() + " declares no SERVER_RESTART support: startServer() is not implemented");
    }

    /**
     * {@link DcsCapability#RAW_ACCESS}: stores {@code value} verbatim (UTF-8) at {@code relativeKey} ({@code "config"},
     * {@code "members/node1"}, ...) of cluster {@code namespace}/{@code scope}, without going through the SPI and
     * without a TTL. {@code namespace} is normalised ({@code /service/}).
     */
    default void writeRaw(String namespace, String scope, String relativeKey, String value) {
        throw new UnsupportedOperationException(
                getClass().getName() + " declares no RAW_ACCESS support: writeRaw() is not implemented");
    }

    /**
     * {@link DcsCapability#RAW_ACCESS}: every key of cluster {@code namespace}/{@code scope} that holds a value, with
     * that value (UTF-8), keyed exactly as the store names it ({@code "/service/batman/leader" -> "node1"}; see
     * {@link #storeKey}). Hierarchical stores leave out container nodes that exist only to hold children (ZooKeeper's
     * {@code /service/batman/members}) when they hold no value of their own.
     */
    default Map<String, String> readRaw(String namespace, String scope) {
        throw new UnsupportedOperationException(
                getClass().getName() + " declares no RAW_ACCESS support: readRaw() is not implemented");
    }

    /**
     * The store's name for {@code relativeKey} of a cluster, as {@link #readRaw} reports it. Default: Patroni's
     * {@code <namespace><scope>/<relativeKey>}, e.g. {@code /service/batman/members/node1}. Consul, which drops the
     * leading {@code /}, overrides this.
     */
    default String storeKey(String namespace, String scope, String relativeKey) {
        return PatroniLayout.clusterPrefix(namespace, scope) + relativeKey;
    }

    /** A short description for test output (the store and its address). */
    default String describe() {
        return getClass().getSimpleName();
    }

    /** Stops the store and releases everything the fixture holds. Never throws. */
    @Override
    void close();
}
