package io.pgha.dcs.kubernetes.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * When this client first saw each version of a TTL-bound record: the leader record (its {@code leader},
 * {@code acquireTime}, {@code renewTime}, {@code ttl} and {@code transitions} annotations) and each member's pod
 * record. Kubernetes expires nothing by itself, so a record is judged expired when it has not changed for its ttl
 * <em>as seen from here</em>, as Patroni does: on this client's monotonic clock, never by comparing the writer's
 * timestamps with ours, so that clock skew between members cannot free a lock early.
 *
 * <p>A change is seen by whichever comes first: this client's own write, a read, or its watch. Thread-safe.
 */
final class Observations {
    private final LongSupplier nanoTime;
    private final Map<String, Seen> seen = new HashMap<>();

    /** One record version and when it was first seen, in {@link System#nanoTime()} terms. */
    record Seen(Object record, long nanos) {
        boolean expired(Duration ttl, long now) {
            return now - nanos > ttl.toNanos();
        }

        long expiresAt(Duration ttl) {
            return nanos + ttl.toNanos();
        }
    }

    Observations(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    long now() {
        return nanoTime.getAsLong();
    }

    /**
     * Records that {@code key} holds {@code record} now; returns when this version was first seen (now, if it is
     * new).
     */
    synchronized Seen observe(String key, Object record) {
        return observe(key, record, nanoTime.getAsLong());
    }

    /** As {@link #observe(String, Object)}, for a record read by a call that started at {@code atNanos}. */
    synchronized Seen observe(String key, Object record, long atNanos) {
        Seen s = seen.get(key);
        if (s == null || !Objects.equals(s.record(), record)) {
            s = new Seen(record, atNanos);
            seen.put(key, s);
        }
        return s;
    }

    /**
     * Records this client's own write of {@code record}, made at {@code writtenAt} (taken before the request went
     * out, so that the writer's own view expires before anybody else's).
     */
    synchronized Seen wrote(String key, Object record, long writtenAt) {
        Seen s = new Seen(record, writtenAt);
        seen.put(key, s);
        return s;
    }

    synchronized void forget(String key) {
        seen.remove(key);
    }
}
