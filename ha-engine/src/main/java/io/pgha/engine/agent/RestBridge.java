package io.pgha.engine.agent;

import io.pgha.engine.ha.Ha;
import io.pgha.engine.ha.HaLoop;
import io.pgha.engine.ha.HaSnapshot;
import io.pgha.engine.ha.PgObservation;
import io.pgha.engine.ha.PgRole;
import io.pgha.engine.rest.ClusterViewSource;
import io.pgha.engine.rest.HaSettings;
import io.pgha.engine.rest.MemberStatus;
import io.pgha.engine.rest.MemberStatusSource;
import io.pgha.engine.rest.PostgresStatus;
import io.pgha.engine.rest.SwitchoverHandler;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.Precondition;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the REST API reads and asks of the HA machinery: the member snapshot from the HA loop's last cycle, the
 * cluster from the last DCS read (or a fresh bounded read), and switchovers carried out through the
 * {@code failover} key and the HA loop.
 */
final class RestBridge implements MemberStatusSource, ClusterViewSource, SwitchoverHandler {
    private static final Duration POLL = Duration.ofMillis(50);

    private final Ha ha;
    private final HaLoop loop;
    private final DcsClient dcs;
    private final AtomicReference<ClusterView> freshest = new AtomicReference<>();

    RestBridge(Ha ha, HaLoop loop, DcsClient dcs) {
        this.ha = ha;
        this.loop = loop;
        this.dcs = dcs;
    }

    @Override
    public MemberStatus current() {
        HaSnapshot s = ha.snapshot();
        // Role, state and WAL position as they are now: peers decide their leader race on this answer, and a primary
        // fenced since the last cycle must not still say "running primary".
        PgObservation pg = ha.liveObservation();
        Duration ttl = s.policy().timings().ttl();
        MemberStatus.Builder b = MemberStatus.builder(pg.process().patroniState(),
                        Ha.roleName(pg, ha.isStandbyLeader(pg)))
                .tags(s.me().tags())
                .settings(new HaSettings(s.policy().paused(), s.policy().standbyCluster(),
                        s.policy().sync().quorum() ? HaSettings.SyncMode.QUORUM
                                : s.policy().sync().enabled() ? HaSettings.SyncMode.ON : HaSettings.SyncMode.OFF, s.policy().maximumLagOnFailover(),
                        ttl))
                .nextRun(s.takenAt().plus(s.policy().timings().loopWait()))
                .watchdogFailed(ha.watchdogFailed());
        if (s.holdsLock() && (pg.isRunningPrimary() || ha.isStandbyLeader(pg))) {
            b.lockHeldUntil(s.takenAt().plus(ttl));
        }
        pg.systemIdentifier().ifPresent(b::systemIdentifier);
        if (pg.isRunning()) {
            Instant started = pg.postmasterStartTime().orElse(null);
            if (pg.role() == PgRole.PRIMARY) {
                b.postgres(PostgresStatus.primary(started, pg.serverVersion(), pg.walPosition(), pg.timeline(),
                        pg.replication()));
            } else {
                b.postgres(PostgresStatus.replica(started, pg.serverVersion(),
                        new PostgresStatus.ReplicaXlog(pg.receivedLsn(), pg.replayedLsn(), pg.replayedTimestamp(),
                                pg.replayPaused()),
                        pg.timeline(), pg.streaming() ? "streaming" : "in archive recovery", pg.receivedLsn()));
            }
        }
        ha.scheduledRestart().ifPresent(r -> b.scheduledRestart(r.published()));
        if (!pg.pendingRestart().isEmpty()) {
            Map<String, MemberStatus.ParameterChange> pending = new LinkedHashMap<>();
            pg.pendingRestart().forEach((k, v) -> pending.put(k, new MemberStatus.ParameterChange(v.oldValue(), v.newValue())));
            b.pendingRestart(pending);
        }
        return b.build();
    }

    @Override
    public Optional<ClusterView> lastRead() {
        HaSnapshot s = ha.snapshot();
        ClusterView fromLoop = s.dcsLastSeen().equals(Instant.EPOCH) ? null : new ClusterView(s.cluster(), s.dcsLastSeen());
        ClusterView fresh = freshest.get();
        if (fromLoop == null) {
            return Optional.ofNullable(fresh);
        }
        return Optional.of(fresh != null && fresh.readAt().isAfter(fromLoop.readAt()) ? fresh : fromLoop);
    }

    @Override
    public ClusterView read(Duration timeout) {
        // The client bounds every call by retry_timeout; a request must not wait that long.
        ClusterState state;
        try {
            state = CompletableFuture.supplyAsync(dcs::read).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new io.pgha.spi.dcs.DcsUnavailableException("DCS did not answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.pgha.spi.dcs.DcsUnavailableException("interrupted");
        }
        ClusterView view = new ClusterView(state, Instant.now());
        freshest.set(view);
        return view;
    }

    @Override
    public Result switchover(Request request) {
        ClusterState cluster = request.cluster();
        FailoverRequest wanted = new FailoverRequest(0, request.leader(), request.candidate(), request.scheduledAt());
        Precondition p = cluster.failover().map(f -> Precondition.version(f.version())).orElse(Precondition.absent());
        if (!dcs.writeFailover(wanted, p)) {
            return new Result.NotRecorded();
        }
        if (request.scheduledAt().isPresent()) {
            return new Result.Scheduled();
        }
        loop.wakeUp();
        String oldLeader = cluster.leader().map(l -> l.name()).orElse("");
        long loopWait = ha.policy().timings().loopWait().toSeconds();
        long deadline = System.nanoTime() + Duration.ofSeconds(2 * Math.max(10, loopWait)).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                ClusterState now = dcs.read();
                Optional<String> leader = now.leader().map(l -> l.name());
                if (leader.isPresent() && !leader.get().equals(oldLeader)) {
                    return new Result.Completed(leader.get());
                }
                if (now.failover().isEmpty() && leader.isPresent() && leader.get().equals(oldLeader)) {
                    return new Result.Failed();
                }
            } catch (RuntimeException e) {
                // the DCS is briefly unreachable: keep polling until the deadline
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Result.TimedOut();
    }

    @Override
    public CancelResult cancelScheduled() {
        ClusterState cluster = dcs.read();
        Optional<FailoverRequest> f = cluster.failover();
        if (f.isEmpty() || f.get().scheduledAt().isEmpty()) {
            return CancelResult.NOTHING_SCHEDULED;
        }
        return dcs.clearFailover(Precondition.version(f.get().version())) ? CancelResult.CANCELLED : CancelResult.CONFLICT;
    }
}
