package io.pgha.spi.replica;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a replica-creation run is asked to do.
 *
 * @param dataDirectory where the new data directory goes ({@code postgresql.data_dir})
 * @param binDirectory where PostgreSQL's programs are
 * @param sourceConnectionString libpq {@code key=value} connection string of the member to copy from (the leader or
 *        a {@code clonefrom} member), without password (it is in the pgpass file named in {@code environment});
 *        empty when no member is running and the method {@link ReplicaMethod#runsWithoutLeader() runs without one}
 * @param scope the cluster name
 * @param memberName this member's name
 * @param role the role the new copy will have ({@code replica}, or {@code standby_leader} in a standby cluster)
 * @param environment variables to run programs with ({@code PGPASSFILE}, ...)
 * @param timeout how long the whole run may take
 * @since 1.0
 */
public record ReplicaRequest(Path dataDirectory, Path binDirectory, Optional<String> sourceConnectionString,
        String scope, String memberName, String role, Map<String, String> environment, Duration timeout) {
    public ReplicaRequest {
        Objects.requireNonNull(dataDirectory, "dataDirectory is null");
        Objects.requireNonNull(binDirectory, "binDirectory is null");
        Objects.requireNonNull(sourceConnectionString, "sourceConnectionString is null");
        Objects.requireNonNull(scope, "scope is null");
        Objects.requireNonNull(memberName, "memberName is null");
        Objects.requireNonNull(role, "role is null");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(timeout, "timeout is null");
    }
}
