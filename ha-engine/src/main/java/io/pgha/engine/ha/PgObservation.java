package io.pgha.engine.ha;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of the local PostgreSQL, taken once per HA cycle; the REST API answers from the latest one.
 *
 * @param process what the postmaster is doing
 * @param role primary or replica when running
 * @param timeline the timeline it runs on (0 if unknown)
 * @param walPosition primary: flush LSN; replica: max(received, replayed); 0 if unknown
 * @param receivedLsn replica: last WAL received (0 if none)
 * @param replayedLsn replica: last WAL replayed (0 if none)
 * @param replayedTimestamp replica: commit time of the last replayed transaction
 * @param replayPaused replica: whether replay is paused
 * @param streaming replica: whether the WAL receiver is streaming
 * @param serverVersion {@code server_version_num}, 0 if unknown
 * @param postmasterStartTime when the postmaster started
 * @param pendingRestart parameters changed but not applied until a restart: name to (old, new)
 * @param replication primary: pg_stat_replication rows as Patroni's /patroni shows them
 * @param systemIdentifier from pg_control, if the data directory is initialised
 */
public record PgObservation(PgProcessState process, PgRole role, long timeline, long walPosition, long receivedLsn,
        long replayedLsn, Optional<Instant> replayedTimestamp, boolean replayPaused, boolean streaming,
        int serverVersion, Optional<Instant> postmasterStartTime, Map<String, PendingChange> pendingRestart,
        List<Map<String, Object>> replication, Optional<String> systemIdentifier) {

    public PgObservation {
        Objects.requireNonNull(process, "process is null");
        Objects.requireNonNull(role, "role is null");
        Objects.requireNonNull(replayedTimestamp, "replayedTimestamp is null");
        Objects.requireNonNull(postmasterStartTime, "postmasterStartTime is null");
        pendingRestart = Map.copyOf(pendingRestart);
        replication = List.copyOf(replication);
        Objects.requireNonNull(systemIdentifier, "systemIdentifier is null");
    }

    /** Nothing is running and nothing is known. */
    public static PgObservation stopped(PgProcessState state, Optional<String> systemIdentifier) {
        return new PgObservation(state, PgRole.UNKNOWN, 0, 0, 0, 0, Optional.empty(), false, false, 0,
                Optional.empty(), Map.of(), List.of(), systemIdentifier);
    }

    public boolean isRunning() {
        return process == PgProcessState.RUNNING;
    }

    public boolean isRunningPrimary() {
        return process == PgProcessState.RUNNING && role == PgRole.PRIMARY;
    }

    public boolean isRunningReplica() {
        return process == PgProcessState.RUNNING && role == PgRole.REPLICA;
    }

    /** A restart-pending parameter change. */
    public record PendingChange(String oldValue, String newValue) {
    }
}
