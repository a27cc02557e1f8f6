package io.pgha.engine.ha;

import io.pgha.spi.dcs.ClusterState;
import java.time.Instant;
import java.util.Objects;

/**
 * What the HA loop knew at the end of its last cycle: the REST API answers from this, so that health checks never
 * wait on PostgreSQL or the DCS.
 *
 * @param me this member
 * @param postgres the local PostgreSQL
 * @param cluster the last successful DCS read
 * @param dcsLastSeen when the DCS last answered
 * @param holdsLock whether this member held the leader lock and ran as primary at the end of the cycle
 * @param lastDecision the cycle's decision
 * @param policy the dynamic settings in force
 * @param takenAt when the snapshot was taken
 */
public record HaSnapshot(MemberIdentity me, PgObservation postgres, ClusterState cluster, Instant dcsLastSeen,
        boolean holdsLock, String lastDecision, HaPolicy policy, Instant takenAt) {
    public HaSnapshot {
        Objects.requireNonNull(me, "me is null");
        Objects.requireNonNull(postgres, "postgres is null");
        Objects.requireNonNull(cluster, "cluster is null");
        Objects.requireNonNull(dcsLastSeen, "dcsLastSeen is null");
        Objects.requireNonNull(lastDecision, "lastDecision is null");
        Objects.requireNonNull(policy, "policy is null");
        Objects.requireNonNull(takenAt, "takenAt is null");
    }
}
