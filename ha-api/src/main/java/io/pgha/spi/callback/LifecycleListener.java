package io.pgha.spi.callback;

/**
 * Hears about lifecycle events, in-process.
 *
 * <p>Listeners are called one at a time, in configuration order, on the engine's callback thread; for
 * {@link LifecycleEvent#PRE_PROMOTE} and {@link LifecycleEvent#BEFORE_STOP} the HA loop waits for them, so they
 * must be quick. An exception from a listener is logged and treated as {@link Verdict#PROCEED}, except for
 * {@code PRE_PROMOTE} where it is treated as a veto (data safety first).
 *
 * @since 1.0
 */
@FunctionalInterface
public interface LifecycleListener extends AutoCloseable {

    /** Handles one event. The verdict matters only for {@link LifecycleEvent#PRE_PROMOTE}. */
    Verdict onEvent(LifecycleNotice notice);

    @Override
    default void close() {
    }

    /** What a listener says about a pending promotion. */
    enum Verdict {
        /** Carry on. */
        PROCEED,
        /** Cancel the promotion: the member releases the lock and sits out one TTL (as a failing pre_promote). */
        VETO
    }
}
