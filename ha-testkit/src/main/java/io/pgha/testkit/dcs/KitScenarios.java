package io.pgha.testkit.dcs;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Timed scenarios (waits of one to three TTLs) that the kit starts all at once when it begins, so that their waits
 * overlap with each other and with the fast groups; each test then awaits its own scenario's verdict.
 */
final class KitScenarios {
    private final Map<String, CompletableFuture<String>> running = new ConcurrentHashMap<>();
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();

    /** Starts {@code body} on its own daemon thread; its result is a line for the test output. */
    void start(String id, Callable<String> body) {
        CompletableFuture<String> f = new CompletableFuture<>();
        running.put(id, f);
        Thread t = new Thread(() -> {
            try {
                f.complete(body.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "kit-scenario-" + id);
        t.setDaemon(true);
        threads.put(id, t);
        t.start();
    }

    /** Waits for scenario {@code id} and rethrows its failure as is (an {@link AssertionError} stays one). */
    String await(String id, Duration max) {
        CompletableFuture<String> f = running.get(id);
        if (f == null) {
            throw new IllegalStateException("scenario " + id + " was never started");
        }
        try {
            return f.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error err) {
                throw err;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new AssertionError("scenario " + id + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new AssertionError("scenario " + id + " did not finish within " + max.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for scenario " + id);
        }
    }

    /**
     * Interrupts the scenarios still running (their tests were not selected, or gave up), so that they end soon; their
     * verdicts no longer matter.
     */
    void cancel() {
        running.forEach((id, f) -> {
            if (!f.isDone()) {
                Thread t = threads.get(id);
                if (t != null) {
                    t.interrupt();
                }
            }
        });
    }

    /** Waits (bounded) until every scenario has finished, whatever its verdict. */
    void awaitAll(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        for (CompletableFuture<String> f : running.values()) {
            try {
                f.get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // verdicts are reported by the scenarios' own tests
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
