package io.pgha.spi.dcs;

/**
 * The condition a compare-and-set write must meet to take effect.
 *
 * <p>Versions are the backend's own (etcd mod revision, ZooKeeper znode version, Consul ModifyIndex, Kubernetes
 * resourceVersion), as found in the {@link ClusterState} the caller read; callers never invent them.
 *
 * @since 1.0
 */
public sealed interface Precondition {

    /** Write whatever is there (Patroni's unconditional write). */
    static Precondition any() {
        return Any.INSTANCE;
    }

    /** Write only if the key does not exist (create-if-absent). */
    static Precondition absent() {
        return Absent.INSTANCE;
    }

    /** Write only if the key still has {@code version}. */
    static Precondition version(long version) {
        return new AtVersion(version);
    }

    /** Unconditional. */
    enum Any implements Precondition {
        INSTANCE
    }

    /** Create-if-absent. */
    enum Absent implements Precondition {
        INSTANCE
    }

    /**
     * Compare-and-set on a version read before.
     *
     * @param version the version the key must still have
     */
    record AtVersion(long version) implements Precondition {
    }
}
