package io.pgha.engine.postgres;

import java.util.Objects;
import java.util.Optional;

/**
 * The server a standby streams from (or a rewind copies from).
 *
 * @param host its PostgreSQL host
 * @param port its PostgreSQL port
 * @param slotName the physical replication slot to stream through, when slots are used
 */
public record ReplicationSource(String host, int port, Optional<String> slotName) {
    public ReplicationSource {
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(slotName, "slotName is null");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public static ReplicationSource of(String host, int port) {
        return new ReplicationSource(host, port, Optional.empty());
    }
}
