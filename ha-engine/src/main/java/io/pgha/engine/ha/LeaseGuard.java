package io.pgha.engine.ha;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences PostgreSQL before the leader lock can expire, independently of the HA loop thread.
 *
 * <p>The guard is a small state machine. {@link #renewed} arms it (or moves its deadline): the lock was refreshed by
 * a request sent at a known moment, so it is ours until {@code sent + ttl}, and PostgreSQL must not accept writes
 * after {@code sent + ttl - margin}, the margin covering the worst-case fencing stop. One timer is armed at that
 * deadline (or earlier: a renewal does not move a pending timer, which re-arms itself for the deadline then in force
 * when it fires); when it fires before the next renewal, the guard fences (an immediate stop, then SIGKILL). {@link
 * #released} disarms it, and the HA loop calls it only once PostgreSQL is confirmed not to run as a primary: while
 * that is unknown (a failed stop, an unreadable status) the guard stays armed.
 *
 * <p>It cannot help when the whole JVM is frozen (SIGSTOP) — nothing in the process runs then.
 */
public final class LeaseGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseGuard.class);

    /** Where the guard stands. */
    public enum State {
        /** This member holds no lock, or PostgreSQL is known not to run as a primary. */
        DISARMED,
        /** PostgreSQL may run as a primary; it is fenced at the deadline unless the lock is renewed first. */
        ARMED,
        /** The deadline passed without a renewal: PostgreSQL was fenced. */
        FENCED
    }

    /** How long after the guard's own deadline the outside fence acts: the agent, if alive, goes first. */
    static final java.time.Duration EXTERNAL_DELAY = java.time.Duration.ofMillis(300);

    private final Database database;
    private final HaClock clock;
    private final ExternalFence external;
    private final Object lock = new Object();
    private State state = State.DISARMED;
    private long fenceAt;
    private HaClock.Timer timer;
    /** When the armed timer is due, and the token it runs with (stale once it is cancelled or replaced). */
    private long timerDueAt;
    private long timerToken;
    private long fences;
    private final FenceListener listener;

    public LeaseGuard(Database database, HaClock clock) {
        this(database, clock, ExternalFence.NONE, FenceListener.NONE);
    }

    /**
     * A guard that also arms {@code external}, which fences even when this JVM cannot, and tells {@code listener}
     * about every fence it carries out.
     */
    public LeaseGuard(Database database, HaClock clock, ExternalFence external, FenceListener listener) {
        this.database = database;
        this.clock = clock;
        this.external = Objects.requireNonNull(external, "external is null");
        this.listener = Objects.requireNonNull(listener, "listener is null");
    }

    /** The fence outside the agent. */
    public ExternalFence external() {
        return external;
    }

    /**
     * The lock was refreshed by a request sent at {@code sentAtNanos} (on this guard's clock) and is held until
     * {@code sent + ttl}; PostgreSQL is fenced at {@code sent + ttl - margin} unless renewed again before.
     */
    public void renewed(long sentAtNanos, Duration ttl, Duration margin) {
        long deadline = sentAtNanos + ttl.toNanos() - margin.toNanos();
        synchronized (lock) {
            state = State.ARMED;
            fenceAt = deadline;
            // A pending timer due no later than the new deadline stays armed: when it fires, it arms itself again for
            // the deadline then current. Replacing it on every renewal would wake the timer thread once per cycle.
            if (timer == null || timerDueAt - deadline > 0) {
                armTimer(deadline);
            }
        }
        if (external != ExternalFence.NONE) {
            // asks PostgreSQL for its pid only when someone outside will need it
            external.arm(deadline + EXTERNAL_DELAY.toNanos(), database.postmasterPid());
        }
    }

    /**
     * PostgreSQL is confirmed not to run as a primary (stopped, or a replica), or the lock was never held: nothing to
     * guard. Keeps a {@link State#FENCED} state visible until the next renewal.
     */
    public void released() {
        boolean wasArmed;
        synchronized (lock) {
            cancelTimer();
            wasArmed = state == State.ARMED;
            if (wasArmed) {
                state = State.DISARMED;
            }
            fenceAt = 0;
        }
        if (wasArmed) {
            external.disarm();
        }
    }

    /** Whether the guard fenced PostgreSQL since the last renewal. */
    public boolean hasFenced() {
        synchronized (lock) {
            return state == State.FENCED;
        }
    }

    public State state() {
        synchronized (lock) {
            return state;
        }
    }

    /** The monotonic deadline at which PostgreSQL is fenced; 0 unless {@link State#ARMED}. */
    public long fenceAt() {
        synchronized (lock) {
            return state == State.ARMED ? fenceAt : 0;
        }
    }

    /** How many times this guard fenced PostgreSQL. */
    public long fences() {
        synchronized (lock) {
            return fences;
        }
    }

    /** Called with the lock held. The clock runs the task on another thread, so it waits for this to return. */
    private void armTimer(long dueAt) {
        cancelTimer();
        long token = timerToken;
        timerDueAt = dueAt;
        timer = clock.schedule(dueAt, () -> fire(token));
    }

    private void fire(long token) {
        long deadline;
        long count;
        synchronized (lock) {
            if (token != timerToken) {
                return; // cancelled or replaced while it was being run
            }
            timer = null;
            long dueAt = timerDueAt;
            if (state != State.ARMED) {
                return;
            }
            if (fenceAt - dueAt > 0) {
                // renewed since this timer was armed: wait for the deadline now in force
                armTimer(fenceAt);
                return;
            }
            deadline = fenceAt;
            state = State.FENCED;
            fenceAt = 0;
            count = ++fences;
        }
        try {
            listener.fenced(deadline, count);
        } catch (RuntimeException e) {
            LOG.warn("fence listener failed: {}", e.toString());
        }
        LOG.warn("the leader lock was not refreshed in time and may expire: stopping PostgreSQL immediately so that no "
                + "session can commit here once another member may take over");
        try {
            database.fence();
        } catch (RuntimeException e) {
            LOG.error("fencing PostgreSQL failed: {}", e.getMessage(), e);
        }
    }

    /** Called with the lock held. */
    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        timerToken++; // a cancelled task that runs anyway finds its token stale
    }

    @Override
    public void close() {
        synchronized (lock) {
            cancelTimer();
        }
    }
}
