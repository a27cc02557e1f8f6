package io.pgha.engine.rest;

import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.MemberData;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The JSON documents of the read endpoints, built as ordered maps in Patroni's field order. Stateless. */
final class Documents {
    private Documents() {
    }

    /** {@code GET /patroni} (also the body of every GET health check). */
    static Map<String, Object> status(Snapshot s, String patroniVersion) {
        MemberStatus m = s.member();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", m.state());
        Optional<PostgresStatus> pg = m.postgres();
        if (pg.isPresent()) {
            PostgresStatus p = pg.get();
            out.put("postmaster_start_time", p.postmasterStartTime().map(PatroniText::pythonStr).orElse(null));
            out.put("role", m.role());
            out.put("server_version", p.serverVersion());
            Map<String, Object> xlog = new LinkedHashMap<>();
            if (p.xlog() instanceof PostgresStatus.ReplicaXlog r) {
                xlog.put("received_location", r.receivedLocation());
                xlog.put("replayed_location", r.replayedLocation());
                xlog.put("replayed_timestamp", r.replayedTimestamp().map(PatroniText::pythonStr).orElse(null));
                xlog.put("paused", r.paused());
            } else if (p.xlog() instanceof PostgresStatus.PrimaryXlog x) {
                xlog.put("location", x.location());
            }
            out.put("xlog", xlog);
            if (s.quorumStandby()) {
                out.put("quorum_standby", true);
            } else if (s.syncStandby()) {
                out.put("sync_standby", true);
            }
            out.put("timeline", p.timeline());
            p.replicationState().ifPresent(r -> out.put("replication_state", r));
            if (!p.replication().isEmpty()) {
                out.put("replication", p.replication());
            }
        } else {
            out.put("role", m.role());
        }
        if (m.settings().paused()) {
            out.put("pause", true);
        }
        if (s.cluster().map(ClusterState::isUnlocked).orElse(true)) {
            out.put("cluster_unlocked", true);
        }
        if (m.failsafeActive()) {
            out.put("failsafe_mode_is_active", true);
        }
        out.put("dcs_last_seen", s.dcsLastSeen());
        if (!m.tags().isEmpty()) {
            out.put("tags", m.tags());
        }
        m.systemIdentifier().ifPresent(id -> out.put("database_system_identifier", id));
        if (!m.pendingRestart().isEmpty()) {
            out.put("pending_restart", true);
            Map<String, Object> reasons = new LinkedHashMap<>();
            m.pendingRestart().forEach((k, v) -> {
                Map<String, Object> change = new LinkedHashMap<>();
                change.put("old_value", v.oldValue());
                change.put("new_value", v.newValue());
                reasons.put(k, change);
            });
            out.put("pending_restart_reason", reasons);
        }
        Map<String, Object> patroni = new LinkedHashMap<>();
        patroni.put("version", patroniVersion);
        patroni.put("scope", s.scope());
        patroni.put("name", s.name());
        out.put("patroni", patroni);
        m.scheduledRestart().ifPresent(r -> {
            Map<String, Object> copy = new LinkedHashMap<>(r);
            copy.remove("postmaster_start_time");
            out.put("scheduled_restart", copy);
        });
        if (m.watchdogFailed()) {
            out.put("watchdog_failed", true);
        }
        return out;
    }

    /** {@code GET /cluster}. */
    static Map<String, Object> cluster(ClusterState c, GlobalFlags flags, String scope) {
        String leaderName = c.leader().map(l -> l.name()).orElse(null);
        long clusterLsn = c.status().optime();
        List<Map<String, Object>> members = new ArrayList<>();
        for (Member member : c.members()) {
            MemberData d = member.data();
            String role;
            if (member.name().equals(leaderName)) {
                role = flags.standbyCluster() ? "standby_leader" : "leader";
            } else if (flags.synchronous() && c.sync().map(sy -> sy.isSyncStandby(member.name())).orElse(false)) {
                role = flags.quorum() ? "quorum_standby" : "sync_standby";
            } else {
                role = "replica";
            }
            String state = (!"leader".equals(role) ? d.text("replication_state").orElse("") : "");
            if (state.isEmpty()) {
                state = d.text("state").orElse("");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("name", member.name());
            out.put("role", role);
            out.put("state", state);
            out.put("api_url", d.apiUrl().orElse(null));
            connection(d).ifPresent(hp -> {
                out.put("host", hp.host());
                if (hp.port() > 0) {
                    out.put("port", hp.port());
                }
            });
            for (String optional : List.of("timeline", "pending_restart", "pending_restart_reason",
                    "scheduled_restart", "tags")) {
                if (d.fields().containsKey(optional)) {
                    out.put(optional, d.fields().get(optional));
                }
            }
            if (!member.name().equals(leaderName)) {
                lsnAndLag(out, "receive_", d.number("receive_lsn"), clusterLsn);
                lsnAndLag(out, "replay_", d.number("replay_lsn"), clusterLsn);
                lsnAndLag(out, "", d.xlogLocation(), clusterLsn);
            }
            members.add(out);
        }
        members.sort((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("members", members);
        if (flags.paused()) {
            out.put("pause", true);
        }
        c.failover().filter(f -> f.scheduledAt().isPresent()).ifPresent(f -> out.put("scheduled_switchover",
                scheduled(f)));
        out.put("scope", scope);
        return out;
    }

    private static Map<String, Object> scheduled(FailoverRequest f) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("at", PatroniText.isoformat(f.scheduledAt().get()));
        f.leader().ifPresent(l -> s.put("from", l));
        f.candidate().ifPresent(c -> s.put("to", c));
        return s;
    }

    private static void lsnAndLag(Map<String, Object> out, String prefix, Optional<Long> lsn, long clusterLsn) {
        if (lsn.isEmpty() || lsn.get() == 0) {
            out.put(prefix + "lsn", "unknown");
            out.put(prefix + "lag", "unknown");
        } else {
            out.put(prefix + "lag", clusterLsn >= lsn.get() ? clusterLsn - lsn.get() : 0L);
            out.put(prefix + "lsn", PatroniText.formatLsn(lsn.get()));
        }
    }

    private record HostPort(String host, int port) {
    }

    /** PostgreSQL host and port of a member: from {@code conn_kwargs} if published, else from {@code conn_url}. */
    private static Optional<HostPort> connection(MemberData d) {
        if (d.fields().get("conn_kwargs") instanceof Map<?, ?> kw && kw.get("host") != null) {
            Object port = kw.get("port");
            int p = port instanceof Number n ? n.intValue() : parsePort(String.valueOf(port));
            return Optional.of(new HostPort(String.valueOf(kw.get("host")), p));
        }
        Optional<String> url = d.connUrl();
        if (url.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = URI.create(url.get());
            String host = uri.getHost();
            if (host == null || host.isEmpty()) {
                return Optional.empty();
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return Optional.of(new HostPort(host.toLowerCase(java.util.Locale.ROOT),
                    uri.getPort() > 0 ? uri.getPort() : 5432));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static int parsePort(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code GET /history}: Patroni's raw rows, {@code [tl, lsn, reason, timestamp, new_leader]}. */
    static List<Object> history(ClusterState c) {
        List<Object> rows = new ArrayList<>();
        for (HistoryEntry e : c.history().map(h -> h.entries()).orElse(List.of())) {
            List<Object> row = new ArrayList<>(List.of(e.timeline(), e.switchLsn(), e.reason()));
            if (e.timestamp().isPresent() || e.newLeader().isPresent()) {
                row.add(e.timestamp().orElse(null));
            }
            e.newLeader().ifPresent(row::add);
            rows.add(row);
        }
        return rows;
    }
}
