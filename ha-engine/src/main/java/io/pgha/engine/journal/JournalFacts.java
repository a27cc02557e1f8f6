package io.pgha.engine.journal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The facts a decision was taken on, as the member saw them at the end of the cycle.
 *
 * @param role {@code primary}, {@code replica}, {@code uninitialized}
 * @param postgres PostgreSQL's state ({@code running}, {@code stopped}, {@code crashed}, ...)
 * @param holdsLock whether this member held the leader lock and ran as primary
 * @param leader the lock holder in the DCS as last read, if any
 * @param timeline PostgreSQL's timeline, 0 when unknown
 * @param lsn this member's WAL position (primary: flushed; replica: received or replayed), 0 when unknown
 * @param lagBytes how far this member is behind the leader's last published position; empty when not a replica or
 *        the position is unknown
 * @param leaseLeftMillis while this member holds the lock: how long until it may expire (the guard fences a margin
 *        earlier); empty otherwise
 * @param dcsReachable whether the cycle's DCS calls succeeded
 * @param dcsLastSeen when the DCS last answered
 * @param members how many members the DCS listed
 * @param optime the leader's last published WAL position in the DCS
 */
public record JournalFacts(String role, String postgres, boolean holdsLock, Optional<String> leader, long timeline,
        long lsn, Optional<Long> lagBytes, Optional<Long> leaseLeftMillis, boolean dcsReachable, Instant dcsLastSeen,
        int members, long optime) {

    public JournalFacts {
        Objects.requireNonNull(role, "role is null");
        Objects.requireNonNull(postgres, "postgres is null");
        Objects.requireNonNull(leader, "leader is null");
        Objects.requireNonNull(lagBytes, "lagBytes is null");
        Objects.requireNonNull(leaseLeftMillis, "leaseLeftMillis is null");
        Objects.requireNonNull(dcsLastSeen, "dcsLastSeen is null");
    }

    /** The JSON object of {@code GET /events}. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("postgres", postgres);
        m.put("holds_lock", holdsLock);
        m.put("leader", leader.orElse(null));
        m.put("timeline", timeline);
        m.put("lsn", lsn);
        m.put("lag_bytes", lagBytes.orElse(null));
        m.put("lease_left_ms", leaseLeftMillis.orElse(null));
        Map<String, Object> dcs = new LinkedHashMap<>();
        dcs.put("reachable", dcsReachable);
        dcs.put("last_seen", dcsLastSeen.equals(Instant.EPOCH) ? null : dcsLastSeen.toString());
        dcs.put("members", members);
        dcs.put("optime", optime);
        m.put("dcs", dcs);
        return m;
    }

    /** The facts in one short line for the log. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append("role=").append(role).append(" postgres=").append(postgres);
        b.append(" leader=").append(leader.orElse("none"));
        if (holdsLock) {
            b.append(" (me)");
        }
        b.append(" timeline=").append(timeline).append(" lsn=").append(Lsns.text(lsn));
        lagBytes.ifPresent(l -> b.append(" lag=").append(l).append("B"));
        leaseLeftMillis.ifPresent(l -> b.append(" lease_left=").append(String.format(java.util.Locale.ROOT, "%.1fs",
                l / 1000.0)));
        b.append(" dcs=").append(dcsReachable ? "ok" : "unreachable");
        return b.toString();
    }
}
