package io.pgha.engine.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pgha.spi.dcs.DcsClient;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.Set;

/**
 * Times every call the engine makes on its DCS client and counts the failed ones, by operation
 * ({@code pgha_dcs_call_seconds{operation="refreshLeader"}}, {@code pgha_dcs_call_errors_total{...}}). A dynamic
 * proxy rather than a hand-written decorator, so that a method added to the SPI later is timed too.
 */
public final class MeteredDcs implements InvocationHandler {
    /** Not calls to the DCS: closing, configuration, and the watch registration. */
    private static final Set<String> UNTIMED = Set.of("close", "updateTimings", "watch", "grantedLeaseTtl",
            "toString", "hashCode", "equals");

    private final DcsClient target;
    private final MeterRegistry registry;

    private MeteredDcs(DcsClient target, MeterRegistry registry) {
        this.target = target;
        this.registry = registry;
    }

    /** {@code target}, with its calls timed on {@code registry}. */
    public static DcsClient wrap(DcsClient target, MeterRegistry registry) {
        Objects.requireNonNull(target, "target is null");
        Objects.requireNonNull(registry, "registry is null");
        return (DcsClient) Proxy.newProxyInstance(DcsClient.class.getClassLoader(), new Class<?>[] {DcsClient.class},
                new MeteredDcs(target, registry));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (UNTIMED.contains(method.getName())) {
            return call(method, args);
        }
        long started = System.nanoTime();
        try {
            return call(method, args);
        } catch (RuntimeException | Error e) {
            Counter.builder("pgha.dcs.call.errors").tag("operation", method.getName())
                    .description("DCS calls that failed (unreachable, timed out, refused), by operation.")
                    .register(registry).increment();
            throw e;
        } finally {
            Timer.builder("pgha.dcs.call").tag("operation", method.getName())
                    .description("How long DCS calls took, by operation.").register(registry)
                    .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
