package io.pgha.dcs.kubernetes.internal;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pgha.spi.dcs.DcsUnavailableException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one API call within retry_timeout: transport failures and the retried status codes are tried again with a
 * doubling pause (at most 1 s, as Patroni), anything else the API server answered is handed to the caller as an
 * {@link Answer}, and a call that cannot succeed before the deadline becomes a {@link DcsUnavailableException}.
 *
 * <p>Fabric8's own retries are switched off ({@code requestRetryBackoffLimit 0}) so that this class alone decides
 * how long a call may take. Thread-safe.
 */
final class ApiCalls {
    private static final Logger LOG = LoggerFactory.getLogger(ApiCalls.class);

    private final String server;
    private final Set<Integer> retried;
    private volatile Duration retryTimeout;
    private final AtomicBoolean down = new AtomicBoolean();

    ApiCalls(String server, Set<Integer> retried, Duration retryTimeout) {
        this.server = server;
        this.retried = Set.copyOf(retried);
        this.retryTimeout = retryTimeout;
    }

    void retryTimeout(Duration d) {
        this.retryTimeout = d;
    }

    Duration retryTimeout() {
        return retryTimeout;
    }

    /** The API server answered with a status the caller must judge (404, 409, 403, 422, ...). */
    static final class Answer extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;

        Answer(int code, String message, Throwable cause) {
            super(message, cause, false, false);
            this.code = code;
        }

        boolean conflict() {
            return code == 409;
        }

        boolean notFound() {
            return code == 404;
        }
    }

    /** One attempt, no retry: for best-effort work while closing. */
    <T> T callOnce(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw new Answer(e.getCode(), what + ": " + e.getCode() + " " + message(e), e);
        }
    }

    /**
     * Runs {@code call} until it returns, the API server gives an answer that is not retried, or retry_timeout is
     * over.
     *
     * @throws Answer for a status that is not retried
     * @throws DcsUnavailableException when no usable answer came within retry_timeout
     */
    <T> T call(String what, Supplier<T> call) {
        long start = System.nanoTime();
        long deadline = start + retryTimeout.toNanos();
        long pauseMs = 100;
        KubernetesClientException last;
        int attempts = 0;
        while (true) {
            attempts++;
            try {
                T result = call.get();
                if (down.compareAndSet(true, false)) {
                    LOG.info("Kubernetes API at {} answers again", server);
                }
                return result;
            } catch (KubernetesClientException e) {
                int code = e.getCode();
                boolean transport = code <= 0;
                if (!transport && !retried.contains(code)) {
                    throw new Answer(code, what + ": " + code + " " + message(e), e);
                }
                last = e;
            }
            long left = deadline - System.nanoTime();
            if (Thread.currentThread().isInterrupted() || left <= TimeUnit.MILLISECONDS.toNanos(pauseMs)) {
                break;
            }
            sleep(pauseMs);
            pauseMs = Math.min(1000, pauseMs * 2);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String why = last.getCode() > 0 ? "HTTP " + last.getCode() + " " + message(last) : message(last);
        if (down.compareAndSet(false, true)) {
            LOG.warn("Kubernetes API at {} unusable: could not {} within {} ms ({} attempts): {}", server, what, ms,
                    attempts, why);
        }
        throw new DcsUnavailableException("Kubernetes API at " + server + ": could not " + what + " within " + ms
                + " ms (" + attempts + " attempts): " + why, last);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t.getMessage().isBlank()
                || t.getMessage().startsWith("An error has occurred"))) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.length() > 300 ? m.substring(0, 297) + "..." : m;
    }
}
