package io.pgha.engine.methods;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * When a failed operation may be tried again: not before a pause that doubles with every failure in a row, from
 * {@code first} up to {@code max}, and starts over after a success. Used for replica creation, so that a member whose
 * every method fails says so once per round instead of every HA cycle, and does not hammer a leader or an archive.
 * Not thread-safe: one caller (the HA loop).
 */
public final class RetrySchedule {
    private final Duration first;
    private final Duration max;
    private final LongSupplier nanoTime;
    private final Clock wallClock;
    private Duration nextPause;
    private long notBeforeNanos;
    private Instant notBefore = Instant.MIN;
    private boolean waiting;

    public RetrySchedule(Duration first, Duration max, LongSupplier nanoTime, Clock wallClock) {
        this.first = Objects.requireNonNull(first, "first is null");
        this.max = Objects.requireNonNull(max, "max is null");
        if (first.isNegative() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("need 0 <= first <= max, got " + first + " and " + max);
        }
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime is null");
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock is null");
        this.nextPause = first;
    }

    /** Pauses of 10 s doubling up to 5 min, on the system clocks. */
    public static RetrySchedule standard() {
        return new RetrySchedule(Duration.ofSeconds(10), Duration.ofMinutes(5), System::nanoTime, Clock.systemUTC());
    }

    /** Whether the operation may run now. */
    public boolean due() {
        return !waiting || nanoTime.getAsLong() - notBeforeNanos >= 0;
    }

    /** Records a failure; returns the pause before the next try. */
    public Duration failed() {
        Duration pause = nextPause;
        notBeforeNanos = nanoTime.getAsLong() + pause.toNanos();
        notBefore = wallClock.instant().plus(pause);
        waiting = true;
        Duration doubled = pause.multipliedBy(2);
        nextPause = doubled.compareTo(max) > 0 ? max : doubled;
        return pause;
    }

    /** Records a success: the next failure waits {@code first} again. */
    public void succeeded() {
        waiting = false;
        nextPause = first;
    }

    /** When the next try is allowed, on the wall clock (for messages). */
    public Instant notBefore() {
        return notBefore;
    }
}
