package io.pgha.dcs.etcd.internal;

import io.etcd.jetcd.ByteSequence;

/**
 * What this client last knew for certain of one key it owns (the leader lock, its member key): the value and lease it
 * was found or written with, at which revision, and in which unbroken stretch of the cluster watch.
 *
 * <p>Such a key changes only by an explicit write or delete while its lease lives. So as long as the watch, unbroken
 * since then, has shown no change to the key after that revision, the key still holds that value on that lease, and a
 * keepalive of the lease is all that keeping it needs. The watch delivers an event a few milliseconds after its write;
 * a change that recent can be missed, exactly as it can right after a read. The engine reads the whole cluster in the
 * same cycle, just after refreshing the lock, and acts on what that read shows.
 *
 * <p>Thread-safe.
 */
final class OwnedKey {
    private final ClusterWatch watch;
    private final String key;
    private Sighting last;

    /** A value seen on a lease at a revision, during the watch's stretch {@code mark}. */
    private record Sighting(ByteSequence value, long lease, long revision, long mark) {
    }

    OwnedKey(ClusterWatch watch, String key) {
        this.watch = watch;
        this.key = key;
    }

    /** Records the key as a read, a check or our own write found it; {@code mark} was taken before that call. */
    synchronized void seen(ByteSequence value, long lease, long revision, long mark) {
        if (last == null || revision >= last.revision()) {
            last = new Sighting(value, lease, revision, mark);
        }
    }

    /** Whether the key certainly still holds {@code value} on {@code lease} (a lease id of 0 never does). */
    synchronized boolean stillHolds(ByteSequence value, long lease) {
        Sighting s = last;
        return s != null && lease != 0 && s.lease() == lease && s.value().equals(value)
                && watch.unchangedSince(key, s.revision(), s.mark());
    }
}
