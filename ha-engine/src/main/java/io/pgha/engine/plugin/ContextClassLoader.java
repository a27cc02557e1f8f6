package io.pgha.engine.plugin;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs code with a plugin's class loader as the thread context class loader (TCCL), and restores the previous one.
 *
 * <p>Needed because libraries inside plugins (Netty, gRPC, Jackson modules, JDBC drivers) look classes and
 * resources up through the TCCL; on an engine thread that is the engine's loader, which cannot see the plugin's
 * jars. Threads a plugin starts inside such a call inherit the plugin's loader as their TCCL.
 */
public final class ContextClassLoader {
    private ContextClassLoader() {
    }

    /** Calls {@code action} with {@code loader} as the TCCL. */
    public static <T> T call(ClassLoader loader, Supplier<T> action) {
        Objects.requireNonNull(loader, "loader is null");
        Objects.requireNonNull(action, "action is null");
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        if (previous == loader) {
            return action.get();
        }
        t.setContextClassLoader(loader);
        try {
            return action.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /** Runs {@code action} with {@code loader} as the TCCL. */
    public static void run(ClassLoader loader, Runnable action) {
        Objects.requireNonNull(action, "action is null");
        call(loader, () -> {
            action.run();
            return null;
        });
    }

    /**
     * Wraps {@code target} so that every call of an {@code iface} method (including {@code close}, {@code equals},
     * {@code hashCode}, {@code toString}) runs with {@code loader} as the TCCL. Objects returned by those methods are
     * not wrapped. Exceptions thrown by the target pass through unchanged.
     */
    public static <T> T wrap(Class<T> iface, T target, ClassLoader loader) {
        Objects.requireNonNull(iface, "iface is null");
        Objects.requireNonNull(target, "target is null");
        Objects.requireNonNull(loader, "loader is null");
        if (!iface.isInterface()) {
            throw new IllegalArgumentException(iface.getName() + " is not an interface");
        }
        InvocationHandler handler = (proxy, method, args) -> {
            Thread t = Thread.currentThread();
            ClassLoader previous = t.getContextClassLoader();
            t.setContextClassLoader(loader);
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                t.setContextClassLoader(previous);
            }
        };
        return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, handler));
    }
}
