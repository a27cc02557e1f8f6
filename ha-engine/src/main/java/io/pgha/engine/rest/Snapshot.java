package io.pgha.engine.rest;

import io.pgha.engine.rest.ClusterViewSource.ClusterView;
import io.pgha.spi.dcs.ClusterState;
import java.time.Instant;
import java.util.Optional;

/**
 * Everything one request may look at, taken once when it starts so that all its decisions agree: this member's
 * snapshot, the last DCS read, and whether that read is still trusted (younger than ttl, as Patroni trusts
 * {@code dcs.cluster}).
 */
record Snapshot(String name, String scope, MemberStatus member, Optional<ClusterView> lastRead,
        Optional<ClusterState> cluster, Instant now) {

    static Snapshot take(String name, String scope, MemberStatus member, Optional<ClusterView> lastRead,
            Instant now) {
        Optional<ClusterState> valid = lastRead
                .filter(v -> v.readAt().plus(member.settings().ttl()).isAfter(now))
                .map(ClusterView::state);
        return new Snapshot(name, scope, member, lastRead, valid, now);
    }

    boolean holdsLock() {
        return member.holdsLock(now);
    }

    /** Patroni's {@code sync_standby} / {@code quorum_standby} flag: a running replica listed in {@code /sync}. */
    boolean listedInSync() {
        return member.postgres().isPresent() && "replica".equals(member.role()) && member.settings().synchronous()
                && cluster.flatMap(ClusterState::sync).map(s -> s.isSyncStandby(name)).orElse(false);
    }

    boolean syncStandby() {
        return listedInSync() && !member.settings().quorumCommit();
    }

    boolean quorumStandby() {
        return listedInSync() && member.settings().quorumCommit();
    }

    /** The leader's position for lag checks: max of {@code /status} optime (if the view is trusted) and latest_end_lsn. */
    long leaderOptime() {
        long status = cluster.map(c -> c.status().optime()).orElse(0L);
        long latestEnd = member.postgres().map(PostgresStatus::latestEndLsn).orElse(0L);
        return Math.max(status, latestEnd);
    }

    /** Epoch seconds of the last successful DCS read, 0 if none. */
    long dcsLastSeen() {
        return lastRead.map(v -> v.readAt().getEpochSecond()).orElse(0L);
    }
}
