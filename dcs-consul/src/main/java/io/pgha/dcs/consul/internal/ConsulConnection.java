package io.pgha.dcs.consul.internal;

import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent behind one {@link ConsulDcsClient}, and the rule that bounds every call by retry_timeout.
 *
 * <p>{@link #call} retries a request that did not reach the cluster ({@link ConsulHttp.Unreachable}) with a backoff
 * of at most one second, as Patroni does, and gives up with {@link DcsUnavailableException} once retry_timeout has
 * passed. The bound is kept even when the agent accepts a connection and then never answers: each attempt runs on a
 * worker thread that the caller stops waiting for at the deadline (the HTTP client's own timeout, one retry_timeout,
 * ends the abandoned request). Refusals ({@link ConsulHttp.Refused}) are not retried; a 403 becomes a
 * {@link DcsUnavailableException} that names the token, since only the operator can fix it.
 *
 * <p>Thread-safe.
 */
final class ConsulConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulConnection.class);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Function<Duration, ConsulHttp> factory;
    private final String agent;
    private final ExecutorService workers;
    private final Object lock = new Object();
    private volatile DcsTimings timings;
    private ConsulHttp http;
    private Duration httpTimeout;
    private volatile boolean closed;
    private volatile boolean reachable = true;

    /**
     * @param factory makes an HTTP client whose requests time out after the given duration
     * @param agent the agent's address, for messages
     */
    ConsulConnection(Function<Duration, ConsulHttp> factory, String agent, DcsTimings timings) {
        this.factory = Objects.requireNonNull(factory, "factory is null");
        this.agent = agent;
        this.timings = Objects.requireNonNull(timings, "timings is null");
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pgha-consul-call-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    DcsTimings timings() {
        return timings;
    }

    void updateTimings(DcsTimings t) {
        this.timings = Objects.requireNonNull(t, "timings is null");
    }

    /** The agent's address, for messages. */
    String agent() {
        return agent;
    }

    boolean isClosed() {
        return closed;
    }

    /** Makes a separate HTTP client whose requests may take {@code timeout} (the watch's long polls). */
    ConsulHttp newHttp(Duration timeout) {
        return factory.apply(timeout);
    }

    /** The shared client, rebuilt when retry_timeout changed, since its timeouts derive from it. */
    private ConsulHttp http() {
        Duration wanted = timings.retryTimeout();
        synchronized (lock) {
            if (closed) {
                throw new DcsUnavailableException("this Consul DCS client is closed");
            }
            if (http == null || !wanted.equals(httpTimeout)) {
                ConsulHttp old = http;
                http = factory.apply(wanted);
                httpTimeout = wanted;
                if (old != null) {
                    old.close();
                }
            }
            return http;
        }
    }

    /**
     * Runs {@code request} until it gets an answer, retrying unreachable-agent failures until retry_timeout.
     *
     * @param what what the request does, for messages ("race for the leader lock")
     * @throws DcsUnavailableException when no answer came within retry_timeout, or Consul refused the request
     */
    <T> T call(String what, Function<ConsulHttp, T> request) {
        try {
            return callOrRefuse(what, request);
        } catch (ConsulHttp.Refused r) {
            throw new DcsUnavailableException("Consul at " + agent + " refused to " + what + ": " + r.getMessage(), r);
        }
    }

    /**
     * As {@link #call}, but hands a refusal other than a 403 to the caller, which knows what it means (an invalid
     * session, a session TTL below the agent's minimum).
     *
     * @throws ConsulHttp.Refused when Consul refused the request
     */
    <T> T callOrRefuse(String what, Function<ConsulHttp, T> request) {
        long start = System.nanoTime();
        long deadline = start + timings.retryTimeout().toNanos();
        long backoff = FIRST_BACKOFF_NANOS;
        RuntimeException last = null;
        while (true) {
            ConsulHttp h = http();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw unavailable(what, start, last);
            }
            Future<T> attempt;
            try {
                attempt = workers.submit(() -> request.apply(h));
            } catch (RejectedExecutionException e) {
                throw new DcsUnavailableException("this Consul DCS client is closed");
            }
            try {
                T result = attempt.get(left, TimeUnit.NANOSECONDS);
                markReachable();
                return result;
            } catch (TimeoutException e) {
                attempt.cancel(true);
                throw unavailable(what, start, new ConsulHttp.Unreachable("no answer", e));
            } catch (InterruptedException e) {
                attempt.cancel(true);
                Thread.currentThread().interrupt();
                throw new DcsUnavailableException("interrupted while waiting for Consul to " + what, e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof ConsulHttp.Unreachable u) {
                    last = u;
                } else if (cause instanceof ConsulHttp.Refused r && r.denied()) {
                    throw new DcsUnavailableException("Consul at " + agent + " refused to " + what + ": " + r.getMessage()
                            + " (check consul.token: it must allow key, session and, with register_service, service "
                            + "writes)", r);
                } else if (cause instanceof ConsulHttp.Refused r) {
                    markReachable();
                    throw r;
                } else if (cause instanceof RuntimeException re) {
                    throw re;
                } else {
                    throw new IllegalStateException(cause);
                }
            }
            long pause = Math.min(backoff, deadline - System.nanoTime());
            if (pause > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DcsUnavailableException("interrupted while waiting for Consul to " + what, e);
                }
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }

    /**
     * One attempt of {@code request}, waited for at most {@code bound} and never retried: for what is worth knowing
     * at start-up but must not delay it (the agent's session_ttl_min).
     *
     * @return the answer, or empty when there was none in time or Consul refused
     */
    <T> java.util.Optional<T> once(String what, Function<ConsulHttp, T> request, Duration bound) {
        Future<T> attempt;
        try {
            ConsulHttp h = http();
            attempt = workers.submit(() -> request.apply(h));
        } catch (RejectedExecutionException | DcsUnavailableException e) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.ofNullable(attempt.get(bound.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException | ExecutionException e) {
            attempt.cancel(true);
            LOG.debug("could not {} at {}: {}", what, agent, e.getCause() == null ? e : e.getCause().getMessage());
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            attempt.cancel(true);
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    private DcsUnavailableException unavailable(String what, long start, RuntimeException last) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (reachable) {
            reachable = false;
            LOG.warn("Consul agent at {} unreachable: could not {} within {} ms: {}", agent, what, ms,
                    last == null ? "no attempt" : last.getMessage());
        }
        return new DcsUnavailableException("Consul at " + agent + ": could not " + what + " within retry_timeout ("
                + ms + " ms): " + (last == null ? "no attempt" : last.getMessage()), last);
    }

    private void markReachable() {
        if (!reachable) {
            reachable = true;
            LOG.info("Consul agent at {} answers again", agent);
        }
    }

    /** Releases connections and workers; in-flight calls fail. Never throws. */
    @Override
    public void close() {
        ConsulHttp h;
        synchronized (lock) {
            closed = true;
            h = http;
            http = null;
        }
        workers.shutdownNow();
        if (h != null) {
            h.close();
        }
    }
}
