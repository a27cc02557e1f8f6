package io.pgha.distribution.harness;

import io.pgha.testkit.server.ConsulStandIn;
import java.util.SortedMap;

/**
 * The testkit's {@link ConsulStandIn} (Consul's HTTP API for KV, sessions, blocking queries and agent services, written
 * from Consul's API documentation; not a real Consul) serving on loopback inside the test JVM; the members are separate
 * agent processes that reach it over HTTP with Patroni's {@code consul} section.
 *
 * <p>The stand-in keeps Consul's defaults: {@code session_ttl_min} 10 s, which the harness's ttl of 20 s meets exactly
 * (sessions of ttl/2), and invalidation at twice the session TTL. Stop/start keep data and port (sessions get a full
 * new TTL, as under a new Consul leader); freeze holds every request unanswered, as SIGSTOP does to a Consul process.
 */
public final class ConsulFixture implements DcsFixture {
    private final ConsulStandIn consul;

    private ConsulFixture(ConsulStandIn consul) {
        this.consul = consul;
    }

    /** Starts a stand-in with Consul's defaults on a free loopback port. */
    public static ConsulFixture launch() {
        return new ConsulFixture(ConsulStandIn.launch());
    }

    @Override
    public String name() {
        return "consul";
    }

    @Override
    public String configYaml() {
        return "consul: {host: '" + consul.hostPort() + "', register_service: true, service_tags: [pgha-it]}";
    }

    /** Consul keys have no leading slash: Patroni's {@code /service/x/leader} is {@code service/x/leader} there. */
    @Override
    public String storeKey(String patroniKey) {
        return patroniKey.startsWith("/") ? patroniKey.substring(1) : patroniKey;
    }

    @Override
    public void start() {
        consul.start();
    }

    @Override
    public void stop() {
        consul.stop();
    }

    @Override
    public boolean isRunning() {
        return consul.isRunning();
    }

    @Override
    public void freeze() {
        consul.freeze();
    }

    @Override
    public void thaw() {
        consul.thaw();
    }

    /** Read inside the stand-in; {@code prefix} is a Consul key prefix (see {@link #storeKey}). */
    @Override
    public SortedMap<String, String> readTree(String prefix) {
        return consul.values(prefix);
    }

    /** The stand-in keeps no log; what it holds instead: sessions and registered services. */
    @Override
    public String logTail(int lines) {
        return consul + ": sessions " + consul.sessionIds() + ", services " + consul.services().keySet();
    }

    /** {@code http://127.0.0.1:<port>}, the stand-in's HTTP API. */
    public String url() {
        return consul.url();
    }

    /** How many HTTP requests the stand-in has answered. */
    public int requestCount() {
        return consul.requestCount();
    }

    /** The registered services by id, as the agents registered them ({@code register_service: true}). */
    public java.util.Map<String, java.util.Map<String, Object>> services() {
        return consul.services();
    }

    @Override
    public void close() {
        try {
            consul.close();
        } catch (RuntimeException e) {
            System.out.println("it: closing the Consul stand-in failed: " + e);
        }
    }

    @Override
    public String toString() {
        return consul.toString();
    }
}
