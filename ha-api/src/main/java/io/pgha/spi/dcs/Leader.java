package io.pgha.spi.dcs;

import java.util.Objects;

/**
 * The leader lock as read from the DCS.
 *
 * @param name the member holding the lock
 * @param version the key's version in the backend's own terms, for compare-and-set
 * @param session the backend's owner token for the key (etcd lease id, ZooKeeper session id, Consul session), or
 *        {@code ""} when the backend has none
 * @since 1.0
 */
public record Leader(String name, long version, String session) {
    public Leader {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(session, "session is null");
    }
}
