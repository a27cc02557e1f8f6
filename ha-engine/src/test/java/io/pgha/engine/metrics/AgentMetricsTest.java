package io.pgha.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgha.engine.callbacks.CallbackObserver.Result;
import io.pgha.engine.ha.HaClock;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.rest.PrometheusText;
import io.pgha.engine.rest.PrometheusText.Family;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
    private PrometheusMeterRegistry registry;
    private AgentMetrics metrics;

    @BeforeEach
    void create() {
        registry = AgentMetrics.newRegistry("batman", "node1");
        // a guard that is never armed: the callback meters do not depend on it
        metrics = new AgentMetrics(registry, new LeaseGuard(null, HaClock.system()), HaClock.system(),
                Duration.ofSeconds(5));
    }

    @AfterEach
    void close() {
        metrics.close();
        registry.close();
    }

    private static Map<String, String> labels(String... pairs) {
        Map<String, String> m = new java.util.HashMap<>(Map.of("scope", "batman", "name", "node1"));
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** The sample {@code family + suffix} with exactly {@code labels}, from a summary or histogram family. */
    private static double sample(Map<String, Family> f, String family, String suffix, Map<String, String> labels) {
        return f.get(family).samples().stream()
                .filter(s -> s.name().equals(family + suffix) && s.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError(family + suffix + labels + " not among " + f.get(family)))
                .value();
    }

    @Test
    @DisplayName("callback runs are counted by event and outcome, and timed by event, in the Prometheus text format")
    void callbackRunsAndDurations() {
        Map<String, Family> before = PrometheusText.parse(registry.scrape());
        assertFalse(before.containsKey("pgha_callback_runs_total"), "no callback meters before the first run");

        metrics.callbackRan("on_role_change", Result.OK, Duration.ofMillis(200));
        metrics.callbackRan("on_role_change", Result.OK, Duration.ofMillis(300));
        metrics.callbackRan("on_role_change", Result.FAILED, Duration.ofMillis(100));
        metrics.callbackRan("pre_promote", Result.TIMEOUT, Duration.ofSeconds(30));

        Map<String, Family> f = PrometheusText.parse(registry.scrape());
        assertEquals("counter", f.get("pgha_callback_runs_total").type());
        assertEquals(2.0, PrometheusText.value(f, "pgha_callback_runs_total",
                labels("event", "on_role_change", "outcome", "ok")));
        assertEquals(1.0, PrometheusText.value(f, "pgha_callback_runs_total",
                labels("event", "on_role_change", "outcome", "failed")));
        assertEquals(1.0, PrometheusText.value(f, "pgha_callback_runs_total",
                labels("event", "pre_promote", "outcome", "timeout")));
        assertEquals(3, f.get("pgha_callback_runs_total").samples().size(), "no series for outcomes that never happened");

        assertEquals(3.0, sample(f, "pgha_callback_duration_seconds", "_count", labels("event", "on_role_change")));
        assertEquals(0.6, sample(f, "pgha_callback_duration_seconds", "_sum", labels("event", "on_role_change")),
                1e-9);
        assertEquals(30.0, PrometheusText.value(f, "pgha_callback_duration_seconds_max",
                labels("event", "pre_promote")), 1e-9);
    }
}
