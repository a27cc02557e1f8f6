package io.pgha.engine.ha;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The member a replica streams from, or the remote primary a standby cluster follows.
 *
 * @param name its member name
 * @param host its PostgreSQL host, from its {@code conn_url}; empty for a standby cluster fed from a WAL archive
 *        alone ({@code restore_command} without {@code host})
 * @param port its PostgreSQL port (0 with no host)
 * @param slotName the replication slot to stream through on it, when slots are used
 * @param recoveryParameters extra recovery settings for following it ({@code restore_command}, ...): those of a
 *        standby cluster's remote primary
 * @param replicaMethods the replica methods that copy it, in order ({@code standby_cluster.create_replica_methods});
 *        empty: the member's own {@code create_replica_methods}
 */
public record Upstream(String name, String host, int port, Optional<String> slotName,
        Map<String, String> recoveryParameters, List<String> replicaMethods) {
    public Upstream {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(slotName, "slotName is null");
        recoveryParameters = Map.copyOf(recoveryParameters);
        replicaMethods = List.copyOf(replicaMethods);
        if (host.isEmpty() && !recoveryParameters.containsKey("restore_command")) {
            throw new IllegalArgumentException(name + ": neither a host to stream from nor a restore_command");
        }
    }

    /** A member of this cluster. */
    public Upstream(String name, String host, int port, Optional<String> slotName) {
        this(name, host, port, slotName, Map.of(), List.of());
    }

    /** A standby cluster's remote primary reached over the network, copied with the member's own methods. */
    public Upstream(String name, String host, int port, Optional<String> slotName,
            Map<String, String> recoveryParameters) {
        this(name, host, port, slotName, recoveryParameters, List.of());
    }

    /** Whether WAL can be streamed from it; if not, a standby replays only what {@code restore_command} fetches. */
    public boolean streams() {
        return !host.isEmpty();
    }

    /** Where it is, for the log: {@code host:port}, or the WAL archive. */
    public String where() {
        return streams() ? host + ":" + port : "the WAL archive (restore_command)";
    }
}
