package io.pgha.engine.rest;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pgha.spi.dcs.ClusterState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Patroni's {@code /metrics} gauges, with Patroni's names and meanings, so that dashboards and alerts written for
 * Patroni keep working. Every value is read from one {@link Snapshot} per scrape, the same document {@code GET
 * /patroni} shows, so a scrape is consistent and costs no query of PostgreSQL or the DCS.
 *
 * <p>Patroni types {@code patroni_xlog_*_location} as counters without the {@code _total} suffix that the Prometheus
 * client libraries add to every counter today; pgha keeps Patroni's names (queries use names, not types) and types them
 * as gauges, which is also what they are: a replica's received position goes back after a rewind.
 */
final class PatroniMetrics {
    /** Patroni 4.1's numbering of PostgreSQL states ({@code patroni_postgres_state}); -1 for anything else. */
    static final List<String> STATES = List.of("initializing new cluster", "initdb failed",
            "running custom bootstrap script", "custom bootstrap failed", "creating replica", "running", "starting",
            "starting after custom bootstrap", "start failed", "restarting", "restart failed", "stopping", "stopped",
            "stop failed", "crashed");

    private PatroniMetrics() {
    }

    /** Registers the gauges on {@code registry}; each reads {@code current} when scraped. */
    static void register(MeterRegistry registry, Supplier<Snapshot> current, String patroniVersion) {
        double version = paddedVersion(patroniVersion);
        gauge(registry, current, "patroni_version", "Patroni version this agent is compatible with, as digits in pairs "
                + "(4.1.4 is 040104).", s -> version);
        gauge(registry, current, "patroni_postgres_running", "1 while PostgreSQL is running, else 0.",
                s -> flag("running".equals(s.member().state())));
        gauge(registry, current, "patroni_postmaster_start_time", "When the postmaster started, in seconds since the "
                + "epoch; 0 when not running.",
                s -> s.member().postgres().flatMap(PostgresStatus::postmasterStartTime).map(PatroniMetrics::epoch)
                        .orElse(0.0));
        gauge(registry, current, "patroni_primary", "1 on the member running as primary, else 0.",
                s -> flag("primary".equals(s.member().role())));
        gauge(registry, current, "patroni_xlog_location", "Primary's flushed WAL position in bytes; 0 elsewhere.",
                s -> s.member().postgres().map(PostgresStatus::xlog)
                        .map(x -> x instanceof PostgresStatus.PrimaryXlog p ? (double) p.location() : 0.0).orElse(0.0));
        gauge(registry, current, "patroni_standby_leader", "1 on the standby leader of a standby cluster, else 0.",
                s -> flag("standby_leader".equals(s.member().role())));
        gauge(registry, current, "patroni_replica", "1 on a member running as replica, else 0.",
                s -> flag("replica".equals(s.member().role())));
        gauge(registry, current, "patroni_sync_standby", "1 on a replica listed as synchronous standby, else 0.",
                s -> flag(s.syncStandby()));
        gauge(registry, current, "patroni_quorum_standby", "1 on a replica listed as quorum standby, else 0.",
                s -> flag(s.quorumStandby()));
        gauge(registry, current, "patroni_xlog_received_location", "Replica's received WAL position in bytes; 0 "
                + "elsewhere.", s -> replica(s).map(r -> (double) r.receivedLocation()).orElse(0.0));
        gauge(registry, current, "patroni_xlog_replayed_location", "Replica's replayed WAL position in bytes; 0 "
                + "elsewhere.", s -> replica(s).map(r -> (double) r.replayedLocation()).orElse(0.0));
        gauge(registry, current, "patroni_xlog_replayed_timestamp", "Commit time of the last transaction a replica "
                + "replayed, in seconds since the epoch; 0 when unknown.",
                s -> replica(s).flatMap(PostgresStatus.ReplicaXlog::replayedTimestamp).map(PatroniMetrics::epoch)
                        .orElse(0.0));
        gauge(registry, current, "patroni_xlog_paused", "1 while a replica's WAL replay is paused, else 0.",
                s -> flag(replica(s).map(PostgresStatus.ReplicaXlog::paused).orElse(false)));
        gauge(registry, current, "patroni_postgres_streaming", "1 while a replica streams WAL from its upstream, "
                + "else 0.", s -> flag(replicationState(s).equals("streaming")));
        gauge(registry, current, "patroni_postgres_in_archive_recovery", "1 while a replica recovers from the WAL "
                + "archive instead of streaming, else 0.", s -> flag(replicationState(s).equals("in archive recovery")));
        gauge(registry, current, "patroni_postgres_server_version", "PostgreSQL's server_version_num while running, "
                + "else 0.", s -> s.member().postgres().map(p -> (double) p.serverVersion()).orElse(0.0));
        gauge(registry, current, "patroni_cluster_unlocked", "1 while no member holds the leader lock (or the DCS "
                + "view is stale), else 0.",
                s -> flag(s.cluster().map(ClusterState::isUnlocked).orElse(true)));
        gauge(registry, current, "patroni_failsafe_mode_is_active", "1 while failsafe mode keeps this member primary "
                + "without the DCS, else 0.", s -> flag(s.member().failsafeActive()));
        gauge(registry, current, "patroni_postgres_timeline", "PostgreSQL's timeline while running, else 0.",
                s -> s.member().postgres().map(p -> (double) p.timeline()).orElse(0.0));
        gauge(registry, current, "patroni_dcs_last_seen", "When the DCS last answered this member, in seconds since "
                + "the epoch.", s -> (double) s.dcsLastSeen());
        gauge(registry, current, "patroni_pending_restart", "1 when a changed parameter waits for a PostgreSQL "
                + "restart, else 0.", s -> flag(!s.member().pendingRestart().isEmpty()));
        gauge(registry, current, "patroni_is_paused", "1 while the cluster is in maintenance mode (no automatic "
                + "failover), else 0.", s -> flag(s.member().settings().paused()));
        gauge(registry, current, "patroni_postgres_state", "PostgreSQL's state as a number: 0=initdb, "
                + "1=initdb_failed, 2=custom_bootstrap, 3=custom_bootstrap_failed, 4=creating_replica, 5=running, "
                + "6=starting, 7=bootstrap_starting, 8=start_failed, 9=restarting, 10=restart_failed, 11=stopping, "
                + "12=stopped, 13=stop_failed, 14=crashed; -1 unknown.", s -> STATES.indexOf(s.member().state()));
    }

    private static void gauge(MeterRegistry registry, Supplier<Snapshot> current, String name, String help,
            ToDoubleFunction<Snapshot> value) {
        Gauge.builder(name, current, c -> value.applyAsDouble(c.get())).description(help).strongReference(true)
                .register(registry);
    }

    /** {@code 4.1.4} → 40104, Patroni's digits-in-pairs form; 0 if it is not a version. */
    static double paddedVersion(String version) {
        StringBuilder b = new StringBuilder();
        String[] parts = version.split("\\.");
        for (int i = 0; i < Math.min(3, parts.length); i++) {
            try {
                b.append(String.format(java.util.Locale.ROOT, "%02d", Integer.parseInt(parts[i])));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return b.length() == 0 ? 0 : Double.parseDouble(b.toString());
    }

    private static Optional<PostgresStatus.ReplicaXlog> replica(Snapshot s) {
        return s.member().postgres().map(PostgresStatus::xlog)
                .filter(PostgresStatus.ReplicaXlog.class::isInstance).map(PostgresStatus.ReplicaXlog.class::cast);
    }

    private static String replicationState(Snapshot s) {
        return s.member().postgres().flatMap(PostgresStatus::replicationState).orElse("");
    }

    private static double flag(boolean b) {
        return b ? 1 : 0;
    }

    private static double epoch(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }
}
