package io.pgha.dcs.etcd.internal;

import io.etcd.jetcd.Client;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jetcd client behind one {@link EtcdDcsClient}, and the rule that bounds every call by retry_timeout.
 *
 * <p>jetcd is built with {@code waitForReady(false)} and no retries of its own, so that a call against an
 * unreachable store fails at once instead of queueing forever; {@link #call} then retries with a backoff of at most
 * one second until the retry timeout, as Patroni does, and gives up with {@link DcsUnavailableException}.
 *
 * <p>After a connection failure gRPC waits before reconnecting, and its backoff grows to two minutes during a long
 * outage, so a store that is back would stay unreachable for a while. To come back as soon as the store does, a call
 * that fails on the connection replaces the whole jetcd client (a new channel connects at once), at most once per
 * second; {@link #onRebuild} listeners (the watch) move to the new one. Leases live in the store, not the channel, so
 * nothing else is lost.
 *
 * <p>Thread-safe.
 */
final class EtcdConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdConnection.class);
    private static final long REBUILD_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** A jetcd client and its number, so that failures of a replaced client are recognised as stale. */
    record Generation(Client client, long number) {
    }

    /** The lease named in a request no longer exists. */
    static final class LeaseNotFoundException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LeaseNotFoundException(Throwable cause) {
            super(Failures.describe(cause), cause, false, false);
        }
    }

    /** Calls started, retries not counted (how much an agent asks of the store: see EtcdIdleCycleIT). */
    private final AtomicLong callsStarted = new AtomicLong();
    private final Function<DcsTimings, Client> factory;
    private final String endpoints;
    private final List<Consumer<Generation>> rebuildListeners = new CopyOnWriteArrayList<>();
    private final Object rebuildLock = new Object();
    private volatile DcsTimings timings;
    private volatile Generation current;
    private volatile boolean closed;
    private volatile boolean reachable = true;
    private long lastRebuildNanos;

    EtcdConnection(Function<DcsTimings, Client> factory, String endpoints, DcsTimings timings) {
        this.factory = Objects.requireNonNull(factory, "factory is null");
        this.endpoints = endpoints;
        this.timings = Objects.requireNonNull(timings, "timings is null");
        this.current = new Generation(factory.apply(timings), 1);
        this.lastRebuildNanos = System.nanoTime();
    }

    Generation current() {
        return current;
    }

    /** The endpoints, comma-separated, for messages. */
    String endpoints() {
        return endpoints;
    }

    DcsTimings timings() {
        return timings;
    }

    void updateTimings(DcsTimings timings) {
        this.timings = Objects.requireNonNull(timings, "timings is null");
    }

    /** Called with the new client after every rebuild. */
    void onRebuild(Consumer<Generation> listener) {
        rebuildListeners.add(listener);
    }

    /**
     * Runs {@code op} against the current client until it succeeds, fails for good, or retry_timeout passes.
     *
     * @throws LeaseNotFoundException when the store says a lease in the request does not exist
     * @throws DcsUnavailableException on anything else that does not succeed in time
     */
    long callsStarted() {
        return callsStarted.get();
    }

    <T> T call(String what, Function<Client, CompletableFuture<T>> op) {
        callsStarted.incrementAndGet();
        Duration retryTimeout = timings.retryTimeout();
        long start = System.nanoTime();
        long deadline = start + retryTimeout.toNanos();
        // One hung endpoint must not eat the whole budget while others could answer.
        long attemptCap = Math.max(retryTimeout.toNanos() / 2, TimeUnit.MILLISECONDS.toNanos(500));
        long backoff = FIRST_BACKOFF_NANOS;
        Throwable last = null;
        int attempts = 0;
        while (true) {
            if (closed) {
                throw new IllegalStateException("this etcd DCS client is closed");
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw unavailable(what, attempts, retryTimeout, last);
            }
            Generation g = current;
            attempts++;
            CompletableFuture<T> f;
            try {
                f = Objects.requireNonNull(op.apply(g.client()), "operation returned no future");
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            try {
                T result = f.get(Math.min(remaining, attemptCap), TimeUnit.NANOSECONDS);
                markReachable();
                return result;
            } catch (TimeoutException e) {
                f.cancel(true);
                long waited = Duration.ofNanos(Math.min(remaining, attemptCap)).toMillis();
                last = new TimeoutException("no answer within " + waited + " ms");
                continue;
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new DcsUnavailableException("interrupted while waiting for etcd to " + what, e);
            } catch (ExecutionException e) {
                Throwable cause = Failures.unwrap(e);
                Failures.Kind kind = Failures.classify(cause);
                switch (kind) {
                    case LEASE_NOT_FOUND:
                        markReachable();
                        throw new LeaseNotFoundException(cause);
                    case FATAL:
                        if (g != current) {
                            last = cause; // failed because its client was replaced meanwhile
                            break;
                        }
                        markReachable();
                        throw new DcsUnavailableException("etcd refused to " + what + ": " + Failures.describe(cause),
                                cause);
                    case CONNECTION:
                        markUnreachable(cause);
                        rebuildIfDue(g);
                        last = cause;
                        break;
                    default:
                        last = cause;
                        break;
                }
            } catch (RuntimeException e) {
                throw new DcsUnavailableException("etcd call failed to " + what + ": " + Failures.describe(e), e);
            }
            long pause = Math.min(backoff, deadline - System.nanoTime());
            if (pause > 0) {
                try {
                    // backoff between attempts, bounded by the deadline
                    TimeUnit.NANOSECONDS.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new DcsUnavailableException("interrupted while waiting for etcd to " + what, ie);
                }
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }

    private DcsUnavailableException unavailable(String what, int attempts, Duration retryTimeout, Throwable last) {
        String why = last == null ? "no attempt finished" : Failures.describe(last);
        return new DcsUnavailableException("etcd at " + endpoints + " did not " + what + " within retry_timeout "
                + retryTimeout.toMillis() + " ms (" + attempts + " attempts; last: " + why + ")", last);
    }

    /**
     * Replaces the client if {@code failed} is still the current one and the last rebuild is at least a second ago.
     * Also used by the watch when its stream breaks on the connection.
     */
    void rebuildIfDue(Generation failed) {
        Generation next;
        Generation old;
        synchronized (rebuildLock) {
            if (closed || failed != current || System.nanoTime() - lastRebuildNanos < REBUILD_INTERVAL_NANOS) {
                return;
            }
            try {
                next = new Generation(factory.apply(timings), failed.number() + 1);
            } catch (RuntimeException e) {
                LOG.warn("cannot create a new etcd client for {}: {}", endpoints, e.toString());
                return;
            }
            old = current;
            current = next;
            lastRebuildNanos = System.nanoTime();
        }
        LOG.debug("replaced the etcd channel to {} (generation {})", endpoints, next.number());
        for (Consumer<Generation> l : rebuildListeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("etcd rebuild listener failed", e);
            }
        }
        closeQuietly(old.client());
    }

    private void markUnreachable(Throwable cause) {
        if (reachable) {
            reachable = false;
            LOG.warn("etcd at {} is unreachable: {}", endpoints, Failures.describe(cause));
        }
    }

    private void markReachable() {
        if (!reachable) {
            reachable = true;
            LOG.info("etcd at {} is reachable again", endpoints);
        }
    }

    @Override
    public void close() {
        Generation g;
        synchronized (rebuildLock) {
            closed = true;
            g = current;
        }
        closeQuietly(g.client());
    }

    boolean isClosed() {
        return closed;
    }

    private static void closeQuietly(Client c) {
        try {
            c.close();
        } catch (RuntimeException e) {
            LOG.debug("closing an etcd client failed", e);
        }
    }
}
