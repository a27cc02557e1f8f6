package io.pgha.engine.rest;

import io.pgha.engine.rest.ClusterViewSource.ClusterView;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.dcs.PatroniLayout.RawValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** Snapshots, cluster views and fake sources shared by the REST tests. */
final class Fixtures {
    static final String SYSID = "7390112233445566778";
    static final Instant STARTED = Instant.parse("2026-01-15T08:30:12.125Z");

    private Fixtures() {
    }

    static MemberStatus.Builder primary() {
        return MemberStatus.builder("running", "primary")
                .lockHeldUntil(Instant.now().plus(Duration.ofSeconds(30)))
                .postgres(PostgresStatus.primary(STARTED, 150004, 1000, 2, List.of(Map.of("usename", "replicator",
                        "application_name", "node2", "client_addr", "10.0.0.2", "state", "streaming", "sync_state",
                        "async", "sync_priority", 0))))
                .systemIdentifier(SYSID)
                .nextRun(Instant.now());
    }

    static MemberStatus.Builder replica() {
        return MemberStatus.builder("running", "replica")
                .postgres(PostgresStatus.replica(STARTED, 150004, new PostgresStatus.ReplicaXlog(990, 980,
                        Optional.of(STARTED.plusSeconds(60)), false), 2, "streaming", 0))
                .systemIdentifier(SYSID)
                .nextRun(Instant.now());
    }

    static MemberStatus.Builder standbyLeader() {
        return MemberStatus.builder("running", "standby_leader")
                .lockHeldUntil(Instant.now().plus(Duration.ofSeconds(30)))
                .postgres(PostgresStatus.replica(STARTED, 150004, new PostgresStatus.ReplicaXlog(990, 980,
                        Optional.empty(), false), 2, "streaming", 0))
                .settings(HaSettings.DEFAULTS.withStandbyCluster(true))
                .systemIdentifier(SYSID)
                .nextRun(Instant.now());
    }

    static MemberStatus.Builder stopped() {
        return MemberStatus.builder("stopped", "replica").systemIdentifier(SYSID).nextRun(Instant.now());
    }

    /** Raw DCS values for a two-member cluster led by node1, optime 1000. */
    static Map<String, String> twoMembers() {
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("leader", "node1");
        raw.put("initialize", SYSID);
        raw.put("config", "{\"ttl\":30,\"loop_wait\":10,\"maximum_lag_on_failover\":1048576}");
        raw.put("status", "{\"optime\":1000,\"slots\":{},\"retain_slots\":[]}");
        raw.put("history", "[[1,2000,\"no recovery target specified\",\"2026-01-15T08:31:00+00:00\",\"node1\"]]");
        raw.put("members/node1", "{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\","
                + "\"api_url\":\"http://10.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"primary\","
                + "\"version\":\"4.1.4\",\"xlog_location\":1000,\"timeline\":2}");
        raw.put("members/node2", "{\"conn_url\":\"postgres://10.0.0.2:5433/postgres\","
                + "\"api_url\":\"http://10.0.0.2:8008/patroni\",\"state\":\"running\",\"role\":\"replica\","
                + "\"version\":\"4.1.4\",\"xlog_location\":900,\"receive_lsn\":950,\"replay_lsn\":900,"
                + "\"replication_state\":\"streaming\",\"timeline\":2,\"tags\":{\"dc\":\"east\"}}");
        return raw;
    }

    static ClusterState cluster(Map<String, String> raw) {
        Map<String, RawValue> values = new LinkedHashMap<>();
        raw.forEach((k, v) -> values.put(k, RawValue.of(v, 1)));
        return PatroniLayout.decode(values);
    }

    static ClusterState cluster(Function<Map<String, String>, Map<String, String>> change) {
        return cluster(change.apply(twoMembers()));
    }

    /** Mutable sources the tests steer between requests. */
    static final class Sources implements MemberStatusSource, ClusterViewSource, SwitchoverHandler {
        final AtomicReference<MemberStatus> member = new AtomicReference<>(primary().build());
        final AtomicReference<Optional<ClusterView>> last = new AtomicReference<>(Optional.empty());
        final AtomicReference<ClusterState> fresh = new AtomicReference<>(cluster(twoMembers()));
        final AtomicReference<RuntimeException> freshFailure = new AtomicReference<>();
        final AtomicReference<Function<Request, Result>> switchover = new AtomicReference<>(
                r -> new Result.TimedOut());
        final AtomicReference<CancelResult> cancel = new AtomicReference<>(CancelResult.NOTHING_SCHEDULED);
        final List<Request> requests = new ArrayList<>();
        volatile int freshReads;

        void reset() {
            member.set(primary().build());
            lastRead(cluster(twoMembers()));
            fresh.set(cluster(twoMembers()));
            freshFailure.set(null);
            switchover.set(r -> new Result.TimedOut());
            cancel.set(CancelResult.NOTHING_SCHEDULED);
            synchronized (requests) {
                requests.clear();
            }
            freshReads = 0;
        }

        void lastRead(ClusterState c) {
            last.set(Optional.of(new ClusterView(c, Instant.now())));
        }

        void staleRead(ClusterState c) {
            last.set(Optional.of(new ClusterView(c, Instant.now().minus(Duration.ofMinutes(5)))));
        }

        @Override
        public MemberStatus current() {
            return member.get();
        }

        @Override
        public Optional<ClusterView> lastRead() {
            return last.get();
        }

        @Override
        public ClusterView read(Duration timeout) {
            freshReads++;
            RuntimeException failure = freshFailure.get();
            if (failure != null) {
                throw failure;
            }
            ClusterView v = new ClusterView(fresh.get(), Instant.now());
            last.set(Optional.of(v));
            return v;
        }

        @Override
        public Result switchover(Request request) {
            synchronized (requests) {
                requests.add(request);
            }
            return switchover.get().apply(request);
        }

        @Override
        public CancelResult cancelScheduled() {
            return cancel.get();
        }

        Request lastRequest() {
            synchronized (requests) {
                return requests.get(requests.size() - 1);
            }
        }
    }
}
