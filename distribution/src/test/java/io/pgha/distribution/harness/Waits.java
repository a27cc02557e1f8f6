package io.pgha.distribution.harness;

import io.pgha.testkit.Timing;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded waits on conditions (never a sleep standing in for synchronisation) and the timing scale of the
 * end-to-end tests: every bound passes through {@link #scaled(Duration)}, so {@code -Dpgha.test.timing=2} doubles
 * them on a slow machine without touching the safety assertions' meaning.
 */
public final class Waits {
    /** Polling period: the conditions are REST calls and SQL queries, a few milliseconds each, on two shared cores. */
    private static final Duration POLL = Duration.ofMillis(50);

    private Waits() {
    }

    /** {@code d} times the {@code pgha.test.timing} multiplier. */
    public static Duration scaled(Duration d) {
        return Timing.current().scale(d);
    }

    /** {@code seconds} times the {@code pgha.test.timing} multiplier. */
    public static Duration seconds(double seconds) {
        return Timing.current().seconds(seconds);
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes; whether it held. */
    public static boolean poll(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Timing.pause(POLL);
        }
    }

    /**
     * Polls {@code probe} until it yields a value and returns it; after {@code timeout} fails with an
     * {@link AssertionError} naming {@code what} and the last state {@code lastState} describes.
     */
    public static <T> T await(String what, Duration timeout, Supplier<Optional<T>> probe, Supplier<String> lastState) {
        AtomicReference<T> found = new AtomicReference<>();
        boolean ok = poll(timeout, () -> {
            Optional<T> v = probe.get();
            v.ifPresent(found::set);
            return v.isPresent();
        });
        if (!ok) {
            throw new AssertionError("not true within " + describe(timeout) + ": " + what + "; last state: "
                    + lastState.get());
        }
        return found.get();
    }

    /** Polls {@code condition}; fails with {@code what} and the last state after {@code timeout}. */
    public static void awaitTrue(String what, Duration timeout, BooleanSupplier condition, Supplier<String> lastState) {
        await(what, timeout, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty(), lastState);
    }

    /** Seconds since {@code startNanos} ({@link System#nanoTime()}). */
    public static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Seconds between two {@link System#nanoTime()} readings. */
    public static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }

    public static String describe(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    public static String fmt(double seconds) {
        return String.format(Locale.ROOT, "%.1f s", seconds);
    }
}
