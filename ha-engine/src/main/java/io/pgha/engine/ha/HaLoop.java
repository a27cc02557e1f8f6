package io.pgha.engine.ha;

import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Ha#runCycle()} on its own thread: when {@link Ha#untilNextCycle} says (every {@code loop_wait}, or
 * sooner for a due switchover or lock refresh), and at once when the DCS reports a change
 * of the leader key, a failover request or the configuration (so that a replica notices a vanished lock
 * immediately), or when {@link #wakeUp()} is called (a REST request).
 */
public final class HaLoop implements ClusterChangeListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaLoop.class);
    /** Never run cycles back to back faster than this, whatever wakes the loop. */
    private static final Duration MIN_GAP = Duration.ofMillis(20);

    private final Ha ha;
    private final DecisionLog decisions;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private final Thread thread;
    private boolean wakeRequested;
    private volatile boolean running = true;
    private volatile long cycles;
    private final List<CycleListener> listeners;

    public HaLoop(Ha ha, Duration heartbeat) {
        this(ha, heartbeat, List.of());
    }

    /** A loop that tells {@code listeners} (the decision journal, the metrics) about every cycle, in that order. */
    public HaLoop(Ha ha, Duration heartbeat, List<CycleListener> listeners) {
        this.ha = ha;
        this.decisions = new DecisionLog(heartbeat);
        this.listeners = List.copyOf(listeners);
        this.thread = new Thread(this::loop, "ha-loop");
    }

    public void start() {
        thread.start();
    }

    /** Makes the loop run its next cycle now. */
    public void wakeUp() {
        lock.lock();
        try {
            wakeRequested = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void clusterChanged(ChangeKind what) {
        if (what == ChangeKind.LEADER || what == ChangeKind.FAILOVER || what == ChangeKind.CONFIG
                || what == ChangeKind.OTHER) {
            wakeUp();
        }
    }

    /** How many cycles ran so far (for tests and liveness). */
    public long cycles() {
        return cycles;
    }

    private void loop() {
        while (running) {
            long started = ha.clock().nanoTime();
            String decision;
            try {
                decision = ha.runCycle();
            } catch (RuntimeException e) {
                LOG.error("Unexpected exception raised, please report it as a BUG", e);
                decision = "unexpected error: " + e;
            }
            cycles++;
            decisions.record(decision);
            tell(decision, Duration.ofNanos(ha.clock().nanoTime() - started));
            waitUntil(System.nanoTime() + ha.untilNextCycle(started).toNanos());
        }
    }

    private void tell(String decision, Duration took) {
        HaSnapshot snapshot = ha.snapshot();
        for (CycleListener l : listeners) {
            try {
                l.cycleEnded(decision, snapshot, took);
            } catch (RuntimeException e) {
                LOG.warn("cycle listener {} failed: {}", l.getClass().getSimpleName(), e.toString());
            }
        }
    }

    private void waitUntil(long deadline) {
        lock.lock();
        try {
            long gapEnd = System.nanoTime() + MIN_GAP.toNanos();
            while (running && !wakeRequested) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                woken.awaitNanos(left);
            }
            wakeRequested = false;
            long gap = gapEnd - System.nanoTime();
            if (gap > 0) {
                woken.awaitNanos(gap);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the loop after its current cycle (waits up to {@code timeout}). */
    public void stop(Duration timeout) {
        running = false;
        wakeUp();
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("the HA loop did not finish its cycle within {} s; interrupting it", timeout.toSeconds());
            thread.interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }
}
