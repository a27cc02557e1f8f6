package io.pgha.engine.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgha.engine.callbacks.CallbackObserver;
import io.pgha.engine.ha.CycleListener;
import io.pgha.engine.ha.HaClock;
import io.pgha.engine.ha.HaSnapshot;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.journal.JournalEvent;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * pgha's own meters, beside Patroni's: how long HA cycles take, how much of the lease is left, how often the guard
 * fenced, the decisions the journal recorded, by kind, and how callback scripts ended. DCS calls are timed by
 * {@link MeteredDcs}.
 *
 * <p>Names (Prometheus form): {@code pgha_ha_loop_duration_seconds}, {@code pgha_lease_time_left_seconds},
 * {@code pgha_lease_fence_in_seconds}, {@code pgha_fencing_actions_total}, {@code pgha_decisions_total{kind}},
 * {@code pgha_dcs_call_seconds{operation}}, {@code pgha_dcs_call_errors_total{operation}},
 * {@code pgha_callback_runs_total{event,outcome}} (outcome {@code ok}, {@code failed} or {@code timeout}) and
 * {@code pgha_callback_duration_seconds{event}}. Callback meters appear with the first run of their event.
 */
public final class AgentMetrics implements CycleListener, AutoCloseable {
    private final MeterRegistry registry;
    private final Timer loopDuration;
    private final AtomicReference<HaSnapshot> last = new AtomicReference<>();
    private final JvmGcMetrics gc;

    /**
     * @param registry where the meters go
     * @param guard the fencing guard whose deadline and fences are shown
     * @param clock the HA clock the guard's deadline is on
     * @param fenceWorstCase the fencing stop's worst case, from which the margin before the lock's expiry follows
     */
    public AgentMetrics(MeterRegistry registry, LeaseGuard guard, HaClock clock, Duration fenceWorstCase) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
        Objects.requireNonNull(guard, "guard is null");
        Objects.requireNonNull(clock, "clock is null");
        this.loopDuration = Timer.builder("pgha.ha.loop.duration").description("How long each HA cycle took.")
                .register(registry);
        Gauge.builder("pgha.lease.fence.in", guard, g -> g.fenceAt() == 0 ? 0
                        : Math.max(0, (g.fenceAt() - clock.nanoTime()) / 1e9))
                .description("Seconds until the lease guard fences PostgreSQL unless the leader lock is refreshed; "
                        + "0 when not holding the lock.")
                .baseUnit("seconds").strongReference(true).register(registry);
        Gauge.builder("pgha.lease.time.left", guard, g -> {
            HaSnapshot s = last.get();
            if (g.fenceAt() == 0 || s == null) {
                return 0;
            }
            long left = g.fenceAt() - clock.nanoTime() + s.policy().fenceMargin(fenceWorstCase).toNanos();
            return Math.max(0, left / 1e9);
        }).description("Seconds until the leader lock this member holds may expire; 0 when not holding it.")
                .baseUnit("seconds").strongReference(true).register(registry);
        FunctionCounter.builder("pgha.fencing.actions", guard, LeaseGuard::fences)
                .description("How often the lease guard stopped PostgreSQL because the lock was not refreshed in time.")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.gc = new JvmGcMetrics();
        gc.bindTo(registry);
    }

    /** A registry for {@code GET /metrics}, every meter labelled with Patroni's {@code scope} and {@code name}. */
    public static PrometheusMeterRegistry newRegistry(String scope, String name) {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        r.config().commonTags("scope", scope, "name", name);
        return r;
    }

    @Override
    public void cycleEnded(String decision, HaSnapshot snapshot, Duration took) {
        last.set(snapshot);
        loopDuration.record(took);
    }

    /** Counts a journalled decision by its kind. */
    public void decided(JournalEvent event) {
        Counter.builder("pgha.decisions").tag("kind", event.kind().label())
                .description("Decisions that changed something, by kind (see GET /events).").register(registry)
                .increment();
    }

    /** Counts and times one callback script or hook run; a {@link CallbackObserver}. */
    public void callbackRan(String event, CallbackObserver.Result result, Duration took) {
        Counter.builder("pgha.callback.runs").tag("event", event).tag("outcome", result.label())
                .description("Callback script and hook runs (on_start ... on_role_change, pre_promote, before_stop), "
                        + "by how they ended.").register(registry).increment();
        Timer.builder("pgha.callback.duration").tag("event", event)
                .description("How long callback scripts and hooks ran, up to their timeout.").register(registry)
                .record(took);
    }

    @Override
    public void close() {
        gc.close();
    }
}
