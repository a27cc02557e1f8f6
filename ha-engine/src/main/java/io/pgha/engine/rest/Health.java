package io.pgha.engine.rest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The health-check decisions, as pure functions of a {@link Snapshot} and the request's path and query. Follows
 * Patroni's generic GET handler: the path is matched by substring in a fixed order, then tag filters apply.
 */
final class Health {
    static final int OK = 200;
    static final int UNAVAILABLE = 503;

    /** Paths answered only with a DCS view, compared exactly (Patroni compares these exactly, not by substring). */
    private static final Set<String> EXACT = Set.of("/sync", "/synchronous", "/quorum", "/async", "/asynchronous",
            "/read-only-quorum", "/read-only-sync", "/read-only-synchronous");
    private static final List<String> KEYWORDS = List.of("standby_leader", "standby-leader", "leader", "master",
            "primary", "read-write", "replica", "read-only", "health");

    private Health() {
    }

    /** Whether {@code path} is a health check at all; anything else is an unknown path (404) for pgha. */
    static boolean isHealthPath(String path) {
        String p = "/".equals(path) ? "/primary" : path;
        return EXACT.contains(p) || KEYWORDS.stream().anyMatch(p::contains);
    }

    /** The status code of a health check on {@code path}. */
    static int check(Snapshot s, String path, Map<String, List<String>> query) {
        String p = "/".equals(path) ? "/primary" : path;
        MemberStatus m = s.member();
        boolean running = "running".equals(m.state());
        String role = m.role();

        long maxLag = first(query, "lag").map(PatroniText::parseBytes).filter(OptionalLong::isPresent)
                .map(OptionalLong::getAsLong).orElse(Long.MAX_VALUE);
        long leaderOptime = s.leaderOptime();
        long replayed = m.postgres().map(PostgresStatus::replayedLocation).orElse(0L);
        boolean lagging = leaderOptime > 0 && leaderOptime > saturatedAdd(replayed, maxLag);
        Optional<String> wantedReplicationState = first(query, "replication_state");
        boolean replicationStateMatches = wantedReplicationState
                .map(w -> w.equals(m.postgres().flatMap(PostgresStatus::replicationState).orElse(null)))
                .orElse(true);
        int replica = !noLoadBalance(m) && !lagging && "replica".equals(role) && running && replicationStateMatches
                ? OK : UNAVAILABLE;

        int leader;
        int primary;
        int standbyLeader;
        if (s.cluster().isEmpty() && m.settings().paused()) {
            // DCS unreachable in maintenance mode: nothing is decided by the lock, so answer from the role.
            leader = "primary".equals(role) || "standby_leader".equals(role) ? OK : UNAVAILABLE;
            primary = "primary".equals(role) ? OK : UNAVAILABLE;
            standbyLeader = "standby_leader".equals(role) ? OK : UNAVAILABLE;
        } else if (s.holdsLock()) {
            leader = OK;
            if (m.settings().standbyCluster()) {
                primary = UNAVAILABLE;
                replica = UNAVAILABLE;
                standbyLeader = "replica".equals(role) || "standby_leader".equals(role) ? OK : UNAVAILABLE;
            } else {
                primary = OK;
                standbyLeader = UNAVAILABLE;
            }
        } else {
            leader = UNAVAILABLE;
            primary = UNAVAILABLE;
            standbyLeader = UNAVAILABLE;
        }

        int status = UNAVAILABLE;
        boolean ignoreTags = false;
        if (p.contains("standby_leader") || p.contains("standby-leader")) {
            status = standbyLeader;
            ignoreTags = true;
        } else if (p.contains("leader")) {
            status = leader;
            ignoreTags = true;
        } else if (p.contains("master") || p.contains("primary") || p.contains("read-write")) {
            status = primary;
            ignoreTags = true;
        } else if (p.contains("replica")) {
            status = replica;
        } else if (p.contains("read-only") && !p.contains("sync") && !p.contains("quorum")) {
            status = primary == OK || standbyLeader == OK ? OK : replica;
        } else if (p.contains("health")) {
            status = running ? OK : UNAVAILABLE;
        } else if (s.cluster().isPresent()) {
            boolean sync = s.syncStandby();
            boolean quorum = s.quorumStandby();
            switch (p) {
                case "/sync", "/synchronous" -> status = sync ? replica : UNAVAILABLE;
                case "/quorum" -> status = quorum ? replica : UNAVAILABLE;
                case "/async", "/asynchronous" -> status = !sync && !quorum ? replica : UNAVAILABLE;
                case "/read-only-quorum" -> status = primary == OK || standbyLeader == OK ? OK
                        : quorum ? replica : UNAVAILABLE;
                case "/read-only-sync", "/read-only-synchronous" -> status = primary == OK || standbyLeader == OK
                        ? OK : sync ? replica : UNAVAILABLE;
                default -> status = UNAVAILABLE;
            }
        }

        if (!ignoreTags && status == OK) {
            for (Map.Entry<String, List<String>> q : query.entrySet()) {
                if (!q.getKey().startsWith("tag_")) {
                    continue;
                }
                Object tag = m.tags().get(q.getKey().substring(4));
                if (tag == null || !PatroniText.tagText(tag).equals(q.getValue().get(0))) {
                    status = UNAVAILABLE;
                    break;
                }
            }
        }
        return status;
    }

    /**
     * {@code GET /liveness}: alive when paused, or when the next HA cycle is overdue by less than ttl (running
     * primary) or 2×ttl (anything else).
     */
    static int liveness(Snapshot s) {
        MemberStatus m = s.member();
        if (m.settings().paused()) {
            return OK;
        }
        boolean runningPrimary = "primary".equals(m.role()) && "running".equals(m.state());
        Duration threshold = m.settings().ttl().multipliedBy(runningPrimary ? 1 : 2);
        return m.nextRun().plus(threshold).isAfter(s.now()) ? OK : UNAVAILABLE;
    }

    /** {@code GET /readiness} (Patroni 4.1): empty when ready, else why not (logged at debug). */
    static Optional<String> notReady(Snapshot s, Map<String, List<String>> query) {
        if (s.holdsLock()) {
            return Optional.empty();
        }
        MemberStatus m = s.member();
        if (!"running".equals(m.state())) {
            return Optional.of("PostgreSQL is not running");
        }
        Optional<PostgresStatus> pg = m.postgres();
        if (!pg.flatMap(PostgresStatus::replicationState).map("streaming"::equals).orElse(false)) {
            return Optional.of("PostgreSQL replication state is not streaming");
        }
        long latestEnd = pg.get().latestEndLsn();
        if (s.cluster().isEmpty() && latestEnd == 0) {
            return m.failsafeActive() ? Optional.empty() : Optional.of("DCS is not accessible");
        }
        boolean write = first(query, "mode").map("write"::equals).orElse(false);
        long position = write ? pg.get().receivedLocation() : pg.get().replayedLocation();
        long lag = s.leaderOptime() - position;
        long max = first(query, "lag").map(PatroniText::parseBytes).filter(OptionalLong::isPresent)
                .map(OptionalLong::getAsLong).orElse(m.settings().maximumLagOnFailover());
        if (lag > max) {
            return Optional.of("Replication " + (write ? "write" : "apply") + " lag " + lag
                    + " exceeds maximum allowable " + max);
        }
        return Optional.empty();
    }

    static boolean noLoadBalance(MemberStatus m) {
        return PatroniText.truthy(m.tags().get("noloadbalance"));
    }

    private static Optional<String> first(Map<String, List<String>> query, String key) {
        List<String> v = query.get(key);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : r;
    }
}
