package io.pgha.engine.ha;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time every part of the HA machinery reads and waits on: the loop, the fencing guard, catch-up waits and long
 * actions. Production runs on {@link #system()}; the deterministic simulation supplies a virtual clock whose time moves
 * only when the simulation says so, which is what makes a run reproducible from its seed.
 */
public interface HaClock {

    /** Monotonic time in nanoseconds, for deadlines and durations; only differences are meaningful. */
    long nanoTime();

    /** Wall-clock time, for what is published (history entries, scheduled switchovers). */
    Instant now();

    /** Waits {@code duration}; on the virtual clock, time moves forward by exactly that much. */
    void sleep(Duration duration) throws InterruptedException;

    /**
     * Runs {@code task} once at monotonic time {@code atNanos} (at once if that has passed), on a thread other than
     * the caller's, unless cancelled first.
     */
    Timer schedule(long atNanos, Runnable task);

    /** A scheduled task. */
    interface Timer {
        /** Cancels the task if it has not started; no effect otherwise. */
        void cancel();
    }

    /** The machine's clocks, with one daemon timer thread created on first use. */
    static HaClock system() {
        return SystemClock.INSTANCE;
    }

    /** {@link HaClock#system()}. */
    final class SystemClock implements HaClock {
        static final SystemClock INSTANCE = new SystemClock();

        /**
         * One thread for every timer of the process: it wakes only when a deadline is due, never to poll. It runs at
         * the highest priority because its only job is fencing, which must not wait behind ordinary work.
         */
        private static final class Holder {
            static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ha-timer");
                t.setDaemon(true);
                t.setPriority(Thread.MAX_PRIORITY);
                return t;
            });
        }

        private SystemClock() {
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            if (!duration.isNegative() && !duration.isZero()) {
                Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
            }
        }

        @Override
        public Timer schedule(long atNanos, Runnable task) {
            ScheduledFuture<?> f = Holder.TIMER.schedule(task, Math.max(0, atNanos - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
