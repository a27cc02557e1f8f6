package io.pgha.engine.rest;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}: the Prometheus text format of the agent's registry, which holds Patroni's gauges
 * ({@link PatroniMetrics}), pgha's own {@code pgha_*} meters and the JVM's. Scrapes are serialised: each one fixes
 * the snapshot every Patroni gauge reads, so that one scrape never mixes two states of the member.
 */
final class MetricsEndpoint {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final Supplier<Snapshot> snapshots;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();

    MetricsEndpoint(PrometheusMeterRegistry registry, Supplier<Snapshot> snapshots, String patroniVersion) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots is null");
        PatroniMetrics.register(registry, this::scraped, patroniVersion);
    }

    void get(HttpCall call) {
        call.body(200, CONTENT_TYPE, scrape());
    }

    synchronized String scrape() {
        current.set(snapshots.get());
        try {
            return registry.scrape();
        } finally {
            current.set(null);
        }
    }

    /** The scrape's snapshot; a registry read outside a scrape (none happens today) takes a fresh one. */
    private Snapshot scraped() {
        Snapshot s = current.get();
        return s != null ? s : snapshots.get();
    }
}
