package io.pgha.engine.postgres;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link PostgresInstance#observe()} saw: the process state and, when it runs and answered, its status. Built so
 * that observing never throws: what could not be read is absent and {@link #error()} says why.
 *
 * @param process the postmaster's state
 * @param status the server's status, when it runs and answered
 * @param pendingRestart parameters waiting for a restart (empty when unknown)
 * @param replication a primary's {@code pg_stat_replication} rows (empty for a standby or when unknown)
 * @param error why the status (or part of it) could not be read
 */
public record InstanceObservation(ProcessState process, Optional<ServerStatus> status,
        Map<String, PendingChange> pendingRestart, List<ReplicationConnection> replication, Optional<String> error) {

    public InstanceObservation {
        Objects.requireNonNull(process, "process is null");
        Objects.requireNonNull(status, "status is null");
        pendingRestart = Map.copyOf(pendingRestart);
        replication = List.copyOf(replication);
        Objects.requireNonNull(error, "error is null");
    }

    /** Running and answering queries. */
    public boolean answering() {
        return status.isPresent();
    }
}
