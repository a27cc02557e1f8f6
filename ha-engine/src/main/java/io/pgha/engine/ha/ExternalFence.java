package io.pgha.engine.ha;

import java.util.Optional;

/**
 * A fencing process outside the agent: it stops PostgreSQL at the deadline it was last given, even when the agent's
 * JVM is dead or frozen and its {@link LeaseGuard} cannot run. The guard hands it each deadline a little after its own,
 * so that a running agent fences first and logs why.
 */
public interface ExternalFence {

    /** None: the agent fences only while it runs. */
    ExternalFence NONE = new ExternalFence() {
        @Override
        public void arm(long deadlineNanos, Optional<Long> postmasterPid) {
        }

        @Override
        public void disarm() {
        }

        @Override
        public boolean ready() {
            return true;
        }
    };

    /** Fence the postmaster {@code postmasterPid} at monotonic {@code deadlineNanos} unless armed again before. */
    void arm(long deadlineNanos, Optional<Long> postmasterPid);

    /** Nothing to fence any more (PostgreSQL is not a primary). */
    void disarm();

    /**
     * Whether it runs and can fence, restarting it first if it died. A member whose fence is not ready may not take or
     * keep the leader lock (unless fencing is configured off).
     */
    boolean ready();
}
