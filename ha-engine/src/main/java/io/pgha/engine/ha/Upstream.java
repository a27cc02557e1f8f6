package io.pgha.engine.ha;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The member a replica streams from.
 *
 * @param name its member name
 * @param host its PostgreSQL host, from its {@code conn_url}
 * @param port its PostgreSQL port
 * @param slotName the replication slot to stream through on it, when slots are used
 * @param recoveryParameters extra recovery settings for following it ({@code restore_command}, ...): those of a
 *        standby cluster's remote primary
 */
public record Upstream(String name, String host, int port, Optional<String> slotName,
        Map<String, String> recoveryParameters) {
    public Upstream {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(slotName, "slotName is null");
        recoveryParameters = Map.copyOf(recoveryParameters);
    }

    /** A member of this cluster. */
    public Upstream(String name, String host, int port, Optional<String> slotName) {
        this(name, host, port, slotName, Map.of());
    }
}
