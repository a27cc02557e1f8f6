package io.pgha.testkit;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Scales every wait and every timing bound of the test kits, so that a slow or busy machine can run them without
 * editing code: {@code -Dpgha.test.timing=2.5} makes every TTL, timeout and latency bound 2.5 times longer.
 *
 * <p>Also waits for conditions with a bounded timeout (tests never sleep to synchronise; they wait until something
 * is true or a deadline passes).
 *
 * <p>Immutable and thread-safe.
 *
 * @since 1.0
 */
public final class Timing {
    /** The system property holding the multiplier; a positive decimal number, default {@code 1.0}. */
    public static final String PROPERTY = "pgha.test.timing";

    private static final long POLL_MILLIS = 20;

    private final double multiplier;

    private Timing(double multiplier) {
        if (!(multiplier > 0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("timing multiplier must be a positive number, got " + multiplier);
        }
        this.multiplier = multiplier;
    }

    /** The timing given by the system property {@value #PROPERTY} (read at each call), 1.0 if unset. */
    public static Timing current() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return new Timing(1.0);
        }
        try {
            return new Timing(Double.parseDouble(value.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "system property " + PROPERTY + " must be a positive number such as 2.5, got '" + value + "'", e);
        }
    }

    /** A timing with an explicit multiplier. */
    public static Timing of(double multiplier) {
        return new Timing(multiplier);
    }

    public double multiplier() {
        return multiplier;
    }

    /** {@code d} times the multiplier, rounded to the millisecond. */
    public Duration scale(Duration d) {
        Objects.requireNonNull(d, "d is null");
        return Duration.ofMillis(Math.round(d.toMillis() * multiplier));
    }

    /** {@code millis} times the multiplier. */
    public Duration millis(long millis) {
        return scale(Duration.ofMillis(millis));
    }

    /** {@code seconds} times the multiplier. */
    public Duration seconds(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000 * multiplier));
    }

    /**
     * Waits until {@code condition} is true, polling every 20 ms, for at most {@code timeout} (not scaled again).
     *
     * @return whether it became true in time
     */
    public static boolean waitFor(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            pause(Duration.ofMillis(POLL_MILLIS));
        }
    }

    /**
     * Waits until {@code condition} is true for at most {@code timeout}, else fails with an {@link AssertionError}
     * carrying {@code what} (computed only on failure).
     */
    public static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
        if (!waitFor(timeout, condition)) {
            throw new AssertionError("not true within " + describe(timeout) + ": " + what.get());
        }
    }

    /**
     * Pauses the calling thread for {@code d}: for pacing (a refresh every ttl/3), never to synchronise.
     * Restores the interrupt flag and returns early when interrupted.
     */
    public static void pause(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Pauses until {@code deadlineNanos} ({@link System#nanoTime()} scale) has passed. */
    public static void pauseUntil(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            pause(Duration.ofNanos(left));
        }
    }

    /** A duration as {@code 1.5 s} or {@code 250 ms}, for messages. */
    public static String describe(Duration d) {
        long ms = d.toMillis();
        return ms >= 1000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : ms + " ms";
    }

    @Override
    public String toString() {
        return "Timing[x" + multiplier + "]";
    }
}
