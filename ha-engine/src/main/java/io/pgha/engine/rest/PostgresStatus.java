package io.pgha.engine.rest;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the local PostgreSQL answered to the status query of the last HA cycle: the part of {@code GET /patroni}
 * that only exists while PostgreSQL can be queried. When the query failed or PostgreSQL is down,
 * {@link MemberStatus#postgres()} is empty and the API shows only {@code state} and {@code role}, as Patroni does.
 *
 * @param postmasterStartTime {@code pg_postmaster_start_time()}
 * @param serverVersion {@code server_version_num}, e.g. {@code 150004}
 * @param xlog WAL positions: {@link PrimaryXlog} when not in recovery, else {@link ReplicaXlog}
 * @param timeline the timeline PostgreSQL runs on
 * @param replicationState replicas: {@code streaming} or {@code in archive recovery}, if known
 * @param replication primaries (and cascading replicas): one JSON object per WAL sender, with the keys
 *        {@code usename, application_name, client_addr, state, sync_state, sync_priority}
 * @param latestEndLsn replicas: the WAL receiver's {@code latest_end_lsn} (the upstream's position as last
 *        reported to it), 0 if unknown; used as a lower bound of the leader's position in lag checks
 */
public record PostgresStatus(Optional<Instant> postmasterStartTime, int serverVersion, Xlog xlog, long timeline,
        Optional<String> replicationState, List<Map<String, Object>> replication, long latestEndLsn) {

    public PostgresStatus {
        Objects.requireNonNull(postmasterStartTime, "postmasterStartTime is null");
        Objects.requireNonNull(xlog, "xlog is null");
        Objects.requireNonNull(replicationState, "replicationState is null");
        replication = replication.stream()
                .map(m -> Collections.unmodifiableMap(new LinkedHashMap<String, Object>(m)))
                .toList();
    }

    /** A primary's status. */
    public static PostgresStatus primary(Instant started, int serverVersion, long flushLsn, long timeline,
            List<Map<String, Object>> replication) {
        return new PostgresStatus(Optional.ofNullable(started), serverVersion, new PrimaryXlog(flushLsn), timeline,
                Optional.empty(), replication, 0);
    }

    /** A replica's status. */
    public static PostgresStatus replica(Instant started, int serverVersion, ReplicaXlog xlog, long timeline,
            String replicationState, long latestEndLsn) {
        return new PostgresStatus(Optional.ofNullable(started), serverVersion, xlog, timeline,
                Optional.ofNullable(replicationState), List.of(), latestEndLsn);
    }

    /** The replayed LSN of a replica, 0 for a primary (Patroni's lag arithmetic treats a primary as position 0). */
    public long replayedLocation() {
        return xlog instanceof ReplicaXlog r ? r.replayedLocation() : 0;
    }

    /** The received LSN of a replica, 0 for a primary. */
    public long receivedLocation() {
        return xlog instanceof ReplicaXlog r ? r.receivedLocation() : 0;
    }

    /** WAL positions, shaped as {@code /patroni}'s {@code xlog} object. */
    public sealed interface Xlog permits PrimaryXlog, ReplicaXlog {
    }

    /** {@code {"location": n}}: the primary's flush LSN. */
    public record PrimaryXlog(long location) implements Xlog {
    }

    /**
     * {@code {"received_location", "replayed_location", "replayed_timestamp", "paused"}}.
     *
     * @param receivedLocation max of written/received LSN (falls back to the replayed one when nothing was received)
     * @param replayedLocation {@code pg_last_wal_replay_lsn()}
     * @param replayedTimestamp {@code pg_last_xact_replay_timestamp()}, shown as {@code null} when empty
     * @param paused {@code pg_is_wal_replay_paused()}
     */
    public record ReplicaXlog(long receivedLocation, long replayedLocation, Optional<Instant> replayedTimestamp,
            boolean paused) implements Xlog {
        public ReplicaXlog {
            Objects.requireNonNull(replayedTimestamp, "replayedTimestamp is null");
        }
    }
}
