package io.pgha.dcs.etcd.internal;

import io.etcd.jetcd.lease.LeaseGrantResponse;

/**
 * One etcd lease that this client keeps alive only when asked, never in the background.
 *
 * <p>That is what keeps the SPI's TTL guarantee: a key bound to the lease lives for a full ttl after the last
 * {@link #fresh} (a keepalive resets the lease to its whole TTL), and vanishes when the agent stops asking, even
 * while the process and its connection stay up.
 *
 * <p>Thread-safe; calls are serialised, which costs nothing since one agent refreshes from one loop.
 */
final class LeaseSlot {
    private final EtcdConnection connection;
    private final KeepAliveStream keepAlives;
    private final String purpose;
    private long id;
    private long ttlSeconds;

    LeaseSlot(EtcdConnection connection, KeepAliveStream keepAlives, String purpose) {
        this.connection = connection;
        this.keepAlives = keepAlives;
        this.purpose = purpose;
    }

    /** The current lease id, 0 if none. */
    synchronized long id() {
        return id;
    }

    /**
     * Extends the current lease to its full TTL if it exists and has the wanted TTL; otherwise grants a new one.
     *
     * @return the id of a lease that now lives for {@code ttlSeconds}
     */
    synchronized long fresh(long ttlSeconds) {
        if (keepAliveIfCurrent(ttlSeconds)) {
            return id;
        }
        LeaseGrantResponse r = connection.call("grant a " + ttlSeconds + " s lease for the " + purpose,
                c -> c.getLeaseClient().grant(ttlSeconds));
        id = r.getID();
        this.ttlSeconds = ttlSeconds;
        return id;
    }

    /**
     * Extends the current lease if there is one with the wanted TTL.
     *
     * @return {@code false} when there is no lease, its TTL differs (a new ttl was configured), or the store no
     *         longer has it (then it is forgotten)
     */
    synchronized boolean keepAliveIfCurrent(long ttlSeconds) {
        if (id == 0 || this.ttlSeconds != ttlSeconds) {
            return false;
        }
        long leaseId = id;
        try {
            long ttl = connection.call("keep the " + purpose + " lease alive", c -> keepAlives.keepAlive(c, leaseId));
            return ttl > 0;
        } catch (EtcdConnection.LeaseNotFoundException e) {
            forget(leaseId);
            return false;
        }
    }

    /** Drops {@code leaseId} after the store said it does not exist. */
    synchronized void forget(long leaseId) {
        if (id == leaseId) {
            id = 0;
        }
    }
}
