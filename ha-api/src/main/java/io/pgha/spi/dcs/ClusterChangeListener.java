package io.pgha.spi.dcs;

/**
 * Told when the cluster's state in the DCS changed, so that the HA loop runs at once instead of at its next tick.
 *
 * <p>Called on a backend thread; must return quickly and must not call back into the {@link DcsClient}. A backend
 * may coalesce several changes into one call and may call spuriously; it must never miss a change of the leader
 * key (creation, deletion, expiry or a new value).
 *
 * @since 1.0
 */
@FunctionalInterface
public interface ClusterChangeListener {

    /** Something under the cluster's prefix changed; {@code what} says what, as well as the backend knows. */
    void clusterChanged(ChangeKind what);

    /** What changed. */
    enum ChangeKind {
        /** The leader key was created, changed, deleted or expired. */
        LEADER,
        /** The dynamic configuration changed. */
        CONFIG,
        /** A failover or switchover request appeared, changed or vanished. */
        FAILOVER,
        /** A member key appeared, changed or vanished. */
        MEMBERS,
        /** The leader's status (optime, slots) changed. */
        STATUS,
        /** Anything else, or the backend cannot tell (for example after reconnecting). */
        OTHER
    }
}
