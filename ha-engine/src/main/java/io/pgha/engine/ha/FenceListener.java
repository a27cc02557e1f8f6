package io.pgha.engine.ha;

/**
 * Told when the {@link LeaseGuard} fences PostgreSQL, on the guard's timer thread, right before the fencing stop.
 * Must be quick and must not throw; fencing goes ahead whatever the listener does.
 */
@FunctionalInterface
public interface FenceListener {

    /**
     * @param deadlineNanos the monotonic deadline (on the guard's clock) that passed without a renewal
     * @param fences how many times this guard has fenced, this time included
     */
    void fenced(long deadlineNanos, long fences);

    /** Listens to nothing. */
    FenceListener NONE = (deadline, fences) -> { };
}
