package io.pgha.engine.journal;

import io.pgha.engine.ha.HaClock;
import java.time.Duration;
import java.time.Instant;

/** A clock that moves only when the test says. */
final class ManualClock implements HaClock {
    private static final Instant START = Instant.parse("2026-12-05T06:00:00Z");
    private long nanos;

    void advance(Duration d) {
        nanos += d.toNanos();
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public Instant now() {
        return START.plusNanos(nanos);
    }

    @Override
    public void sleep(Duration duration) {
        advance(duration);
    }

    @Override
    public Timer schedule(long atNanos, Runnable task) {
        return () -> { };
    }
}
