package io.pgha.engine.ha;

import io.pgha.engine.Versions;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's HA decisions. {@link #runCycle()} reads the cluster from the DCS and the local PostgreSQL's state,
 * takes one decision through named branches and returns the sentence that says what it did and why (Patroni's
 * wording where Patroni has one). Not thread-safe: run by {@link HaLoop}'s thread only; {@link #snapshot()} is safe
 * from any thread.
 */
public final class Ha {
    private static final Logger LOG = LoggerFactory.getLogger(Ha.class);
    /** How long a switchover candidate waits to receive the old leader's last WAL before racing anyway. */
    private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(5);
    /** How long the slot of a member that left the DCS is kept (Patroni's member_slots_ttl default). */
    /** The longest a status query of the local PostgreSQL takes ({@link Database#observe()} is bounded by it). */
    static final Duration OBSERVE_BOUND = Duration.ofSeconds(2);
    /** The longest a peer probe round takes (two seconds per member, in parallel, plus slack). */
    static final Duration PROBE_BOUND = Duration.ofMillis(2500);
    /** The shortest interval between two cycles that refresh the lock early. */
    private static final Duration RENEW_FLOOR = Duration.ofSeconds(1);
    /** While PostgreSQL starts, look again this often rather than after a whole loop_wait. */
    private static final Duration STARTING_RECHECK = Duration.ofMillis(500);

    private final MemberIdentity me;
    private final DcsClient dcs;
    private final ChangeTrackingDatabase database;
    private final PeerProbe peers;
    private final LeaseGuard guard;
    private final HaClock clock;
    private final LeaderLease lease;
    private final Function<ClusterState, HaPolicy> policyOf;
    private final AtomicReference<HaSnapshot> snapshot = new AtomicReference<>();

    private volatile HaPolicy policy;
    /** When the agent started PostgreSQL as a primary after a crash, for primary_start_timeout; 0 when not. */
    private long primaryStartRequestedAt;
    /** When the pre_promote hook last refused a promotion (0: never): the member sits out one ttl after it. */
    private long prePromoteVetoedAt;
    /**
     * The role PostgreSQL last reported while running. An unreadable status means "unknown", not "replica": the
     * decisions fall back on this, as Patroni does, so a primary whose status query fails is still demoted.
     */
    private volatile PgRole lastKnownRole = PgRole.UNKNOWN;
    private final SyncReplication sync;
    private final Failsafe failsafe;
    /** Whether this cycle already refreshed the lock (at its start). */
    private boolean renewedThisCycle;
    /**
     * This cycle took the lock, which the cluster view read at its start does not show yet. The next cycle must still
     * refresh first: on a slow DCS, a read before the refresh can make the refresh late.
     */
    private boolean acquiredThisCycle;
    /** The last observation of the cycle, for a renewal that cannot wait for a fresh one. */
    private volatile PgObservation lastObservation = PgObservation.stopped(PgProcessState.STOPPED, Optional.empty());
    private Instant dcsLastSeen = Instant.EPOCH;
    /** When a scheduled switchover addressed to this leader is due (monotonic); 0 when none. */
    private long scheduledSwitchoverAt;
    /**
     * The members of the last cluster view that had a leader. The race asks them too, as Patroni does: a primary whose
     * member key expired while it was cut off from the DCS may still be running and answering.
     */
    private List<Member> lastLockedMembers = List.of();
    /** Control requests of the REST API, carried out by the loop at its next cycle, one per cycle. */
    private final java.util.concurrent.ConcurrentLinkedQueue<PendingControl> controls =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** A restart scheduled through the REST API: its due time and the form Patroni publishes it in. */
    private volatile Optional<ScheduledRestart> scheduledRestart = Optional.empty();
    private boolean scheduledRestartRestored;

    /** What the REST API may ask the loop to do. */
    public enum Control {
        /** Stop PostgreSQL cleanly and start it again in the same role. */
        RESTART,
        /** A replica only: stop PostgreSQL, wipe the data directory, copy it again from the leader. */
        REINITIALIZE
    }

    private record PendingControl(Control what, java.util.concurrent.CompletableFuture<String> done) {
    }

    /**
     * A scheduled restart.
     *
     * @param at when it falls due
     * @param published how the member record shows it ({@code scheduled_restart})
     */
    public record ScheduledRestart(Instant at, Map<String, Object> published) {
        public ScheduledRestart {
            Objects.requireNonNull(at, "at is null");
            published = Map.copyOf(published);
        }
    }

    private final Watchdog watchdog;

    /** Slot name to when its member was last seen in the DCS: their slots outlive a brief absence. */
    private final Map<String, Long> slotLastSeen = new java.util.HashMap<>();
    /** Slots of members gone for longer than the member slot ttl: the only unknown slots the leader drops. */
    private final Set<String> expiredMemberSlots = new TreeSet<>();

    public Ha(MemberIdentity me, DcsClient dcs, Database database, PeerProbe peers, LeaseGuard guard, HaClock clock,
            Function<ClusterState, HaPolicy> policyOf) {
        this(me, dcs, database, peers, guard, clock, policyOf, Watchdog.NONE);
    }

    /** With a kernel watchdog, armed while this member runs as a writable primary. */
    public Ha(MemberIdentity me, DcsClient dcs, Database database, PeerProbe peers, LeaseGuard guard, HaClock clock,
            Function<ClusterState, HaPolicy> policyOf, Watchdog watchdog) {
        this.watchdog = Objects.requireNonNull(watchdog, "watchdog is null");
        this.me = Objects.requireNonNull(me, "me is null");
        this.dcs = Objects.requireNonNull(dcs, "dcs is null");
        this.database = new ChangeTrackingDatabase(Objects.requireNonNull(database, "database is null"));
        this.peers = Objects.requireNonNull(peers, "peers is null");
        this.guard = Objects.requireNonNull(guard, "guard is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.policyOf = Objects.requireNonNull(policyOf, "policyOf is null");
        this.policy = policyOf.apply(ClusterState.EMPTY);
        this.lease = new LeaderLease(dcs, guard, clock, database.fenceWorstCase(), policy, watchdog);
        this.sync = new SyncReplication(me.name(), dcs, database);
        this.failsafe = new Failsafe(me.name(), peers, clock);
        warnIfTimingsCannotHoldTheLock(policy);
        snapshot.set(new HaSnapshot(me, PgObservation.stopped(PgProcessState.STOPPED, Optional.empty()),
                ClusterState.EMPTY, Instant.EPOCH, false, "starting", policy, clock.now()));
    }

    /**
     * A leader without the DCS asks this member, over {@code POST /failsafe}, to confirm it as the leader. Thread-safe:
     * called from the REST API.
     */
    public Failsafe.Reply acceptFailsafe(String leader) {
        boolean leading = lastKnownRole == PgRole.PRIMARY || lastObservation.isRunningPrimary();
        return failsafe.ping(leader, policy.failsafe(), leading);
    }

    /** Whether the watchdog is required and could not be armed now (Patroni's {@code watchdog_failed}). */
    public boolean watchdogFailed() {
        return watchdog.required() && !watchdog.armed() && watchdog.unusable(policy.timings().ttl()).isPresent();
    }

    /** The latest view of this member and its cluster, for the REST API. */
    public HaSnapshot snapshot() {
        return snapshot.get();
    }

    /** The policy in force, for the loop's timing. */
    public HaPolicy policy() {
        return policy;
    }

    /** The clock the loop runs on. */
    public HaClock clock() {
        return clock;
    }

    /**
     * The local PostgreSQL as it is now, not as the last cycle saw it: what other members' leader race and the REST
     * API's health checks must go by (a primary fenced a moment ago must not still say "running primary"). An
     * unreadable status of a running server reports the last known role. Thread-safe.
     */
    public PgObservation liveObservation() {
        return withKnownRole(database.observe(), false);
    }

    /**
     * Asks the loop to carry out {@code what} at the start of its next cycle; the future completes with what it did,
     * or exceptionally with the reason it could not. The caller wakes the loop.
     */
    public java.util.concurrent.CompletableFuture<String> request(Control what) {
        java.util.concurrent.CompletableFuture<String> done = new java.util.concurrent.CompletableFuture<>();
        controls.add(new PendingControl(what, done));
        return done;
    }

    /** Schedules a restart; false when one is already scheduled. */
    public synchronized boolean scheduleRestart(ScheduledRestart restart) {
        if (scheduledRestart.isPresent()) {
            return false;
        }
        scheduledRestart = Optional.of(restart);
        return true;
    }

    /** Forgets the scheduled restart; false when there was none. */
    public synchronized boolean cancelScheduledRestart() {
        boolean had = scheduledRestart.isPresent();
        scheduledRestart = Optional.empty();
        return had;
    }

    /** The scheduled restart, if any. */
    public Optional<ScheduledRestart> scheduledRestart() {
        return scheduledRestart;
    }

    /**
     * How long after a cycle that started at {@code cycleStartedNanos} the next one should start: {@code loop_wait},
     * sooner while PostgreSQL starts, when a scheduled switchover falls due, or when the leader lock must be refreshed
     * before a normal cycle could do it.
     */
    public Duration untilNextCycle(long cycleStartedNanos) {
        long now = clock.nanoTime();
        Duration interval = snapshot.get().postgres().process() == PgProcessState.STARTING ? STARTING_RECHECK
                : policy.timings().loopWait();
        long next = cycleStartedNanos + interval.toNanos();
        if (scheduledSwitchoverAt != 0) {
            next = Math.min(next, scheduledSwitchoverAt);
        }
        Optional<ScheduledRestart> restart = scheduledRestart;
        if (restart.isPresent()) {
            long untilDue = Duration.between(clock.now(), restart.get().at()).toNanos();
            next = Math.min(next, now + Math.max(0, untilDue));
        }
        long renewBy = lease.renewBy();
        if (renewBy != 0) {
            // the next refresh is sent at the start of the next cycle; when the timings leave no room (a granted
            // session shorter than ttl), refresh at most every second rather than spin
            long floor = cycleStartedNanos + Math.min(interval.toNanos(), RENEW_FLOOR.toNanos());
            next = Math.min(next, Math.max(renewBy, floor));
        }
        return Duration.ofNanos(Math.max(0, next - now));
    }

    /** Runs one HA cycle and returns what it decided. Never throws. */
    public String runCycle() {
        renewedThisCycle = false;
        acquiredThisCycle = false;
        ClusterState cluster;
        try {
            Optional<String> renewedOnly = renewFirst();
            if (renewedOnly.isPresent()) {
                return renewedOnly.get();
            }
            // once per cycle: a backend with a live watch answers from its last read while nothing changed
            cluster = dcs.readRecent();
            dcsLastSeen = clock.now();
            failsafe.observed(cluster);
        } catch (DcsUnavailableException e) {
            String msg = whenDcsIsUnreachable(e);
            publishSnapshot(snapshot.get().cluster(), lastObservation, false, msg);
            return msg;
        }
        for (String w : cluster.warnings()) {
            LOG.warn("DCS: {}", w);
        }
        if (!cluster.isUnlocked()) {
            lastLockedMembers = cluster.members();
        }
        HaPolicy next = policyOf.apply(cluster);
        if (!next.timings().equals(policy.timings())) {
            dcs.updateTimings(next.timings());
            warnIfTimingsCannotHoldTheLock(next);
        }
        boolean serverConfigChanged = !next.serverConfigVersion().equals(policy.serverConfigVersion());
        if (next.paused() != policy.paused()) {
            LOG.info(next.paused() ? "the cluster is paused (maintenance mode): no automatic failover, PostgreSQL is "
                    + "neither started nor stopped by pgha" : "the cluster is resumed: pgha manages it again");
        }
        policy = next;
        lease.policy(next);

        PgObservation pg = observe();
        long changesSinceObserved = database.changes();
        if (serverConfigChanged && pg.isRunning()) {
            reloadPostgres();
        }
        restoreScheduledRestart(cluster);
        String msg;
        try {
            Optional<String> controlled = carryOutControl(cluster, pg);
            msg = controlled.isPresent() ? controlled.get() : decide(cluster, pg);
        } catch (DcsUnavailableException e) {
            // whatever call failed (a race, a refresh, a status write), a primary that cannot reach the DCS
            // cannot know it still leads
            msg = whenDcsIsUnreachable(e);
        } catch (DatabaseException e) {
            msg = "Error communicating with PostgreSQL: " + e.getMessage() + ". Will try again later";
        }
        if (lease.fits(OBSERVE_BOUND.plus(lease.callCost()))) {
            if (database.changes() != changesSinceObserved) {
                pg = observe(); // publish what this cycle did, not what it started from
            }
            publishMember(pg);
        }
        boolean leads = pg.isRunningPrimary() || policy.standbyCluster() && pg.isRunningReplica();
        publishSnapshot(cluster, pg, (cluster.isLeader(me.name()) || acquiredThisCycle) && leads
                && !guard.hasFenced(), msg);
        return msg;
    }

    /**
     * The member that ended its last cycle leading refreshes the lock first, before anything else can make it late:
     * every later call of the cycle is then started only if it fits before the next refresh is due (see {@link
     * LeaderLease}). When not even a read fits any more (a DCS answering at its limit), the cycle ends there.
     *
     * @throws DcsUnavailableException when the DCS does not answer: the cycle goes straight to the DCS-failure path
     */
    private Optional<String> renewFirst() {
        if (!snapshot.get().holdsLock() || !lastObservation.isRunningPrimary() || !lease.armed()) {
            return Optional.empty();
        }
        renewedThisCycle = lease.refreshOrFail();
        if (!renewedThisCycle || lease.fits(normalCycleCost())) {
            return Optional.empty();
        }
        String msg = "updated leader lock; not reading the cluster this cycle because the DCS answers slowly";
        publishSnapshot(snapshot.get().cluster(), lastObservation, true, msg);
        return Optional.of(msg);
    }

    /** What a cycle needs after its refresh before it can decide: one read and one observation, each at its bound. */
    private Duration normalCycleCost() {
        return lease.callCost().plus(OBSERVE_BOUND);
    }

    private PgObservation observe() {
        PgObservation pg = withKnownRole(database.observe(), true);
        lastObservation = pg;
        return pg;
    }

    /** {@code raw}, with the last known role when its status could not be read; the loop ({@code learn}) records it. */
    private PgObservation withKnownRole(PgObservation raw, boolean learn) {
        if (!raw.isRunning()) {
            return raw;
        }
        if (raw.role() != PgRole.UNKNOWN) {
            if (learn) {
                lastKnownRole = raw.role();
            }
            return raw;
        }
        PgRole known = lastKnownRole;
        if (known == PgRole.UNKNOWN) {
            return raw;
        }
        return new PgObservation(raw.process(), known, raw.timeline(), raw.walPosition(), raw.receivedLsn(),
                raw.replayedLsn(), raw.replayedTimestamp(), raw.replayPaused(), raw.streaming(), raw.serverVersion(),
                raw.postmasterStartTime(), raw.pendingRestart(), raw.replication(), raw.systemIdentifier());
    }

    /** Running, and not known to be a standby: it may accept writes. */
    private static boolean mayBeWritable(PgObservation pg) {
        return pg.isRunning() && pg.role() != PgRole.REPLICA;
    }

    private void warnIfTimingsCannotHoldTheLock(HaPolicy p) {
        if (!LeaderLease.toleratesSlowestDcs(p, database.fenceWorstCase())) {
            LOG.warn("ttl {} s is shorter than twice retry_timeout ({} s) plus the fencing margin ({} ms): a DCS that "
                    + "answers at the limit of retry_timeout can cost the leader its lock and fence a healthy primary",
                    p.timings().ttl().toSeconds(), p.timings().retryTimeout().toSeconds(),
                    p.fenceMargin(database.fenceWorstCase()).toMillis());
        }
    }

    // ---------------------------------------------------------------- the decision tree

    /** A restart scheduled before the agent restarted is still in this member's record: keep it. */
    private void restoreScheduledRestart(ClusterState cluster) {
        if (scheduledRestartRestored) {
            return;
        }
        scheduledRestartRestored = true;
        cluster.member(me.name()).map(m -> m.data().fields().get("scheduled_restart"))
                .filter(Map.class::isInstance).map(v -> (Map<?, ?>) v).ifPresent(published -> {
                    try {
                        Instant at = OffsetDateTime.parse(String.valueOf(published.get("schedule"))).toInstant();
                        Map<String, Object> copy = new LinkedHashMap<>();
                        published.forEach((k, v) -> copy.put(String.valueOf(k), v));
                        scheduleRestart(new ScheduledRestart(at, copy));
                        LOG.info("kept the restart scheduled for {} before this agent started", at);
                    } catch (RuntimeException e) {
                        LOG.warn("ignored an unreadable scheduled restart in this member's record: {}", published);
                    }
                });
    }

    /** A control request, or a scheduled restart that fell due: carried out instead of this cycle's decision. */
    private Optional<String> carryOutControl(ClusterState cluster, PgObservation pg) {
        PendingControl pending = controls.poll();
        if (pending == null) {
            Optional<ScheduledRestart> due = scheduledRestart.filter(r -> !r.at().isAfter(clock.now()));
            if (due.isEmpty()) {
                return Optional.empty();
            }
            cancelScheduledRestart();
            pending = new PendingControl(Control.RESTART, new java.util.concurrent.CompletableFuture<>());
        }
        try {
            String done = switch (pending.what()) {
                case RESTART -> restartPostgres(cluster, pg);
                case REINITIALIZE -> reinitializeReplica(cluster, pg);
            };
            pending.done().complete(done);
            return Optional.of(done);
        } catch (RuntimeException e) {
            pending.done().completeExceptionally(e);
            return Optional.of("could not " + pending.what().name().toLowerCase(java.util.Locale.ROOT) + ": "
                    + e.getMessage());
        }
    }

    private String restartPostgres(ClusterState cluster, PgObservation pg) {
        if (!pg.isRunning()) {
            throw new DatabaseException("postgres is not running");
        }
        boolean primary = cluster.isLeader(me.name()) && pg.isRunningPrimary();
        database.beginRestart();
        database.stop(StopMode.FAST, stopTimeout(primary), primary ? () -> lease.keepAliveDuring("restart") : () -> { });
        if (primary) {
            database.startAsPrimary();
        } else {
            database.startAsReplica(upstreamFor(cluster));
        }
        return "restarting PostgreSQL as requested";
    }

    private String reinitializeReplica(ClusterState cluster, PgObservation pg) {
        if (cluster.isLeader(me.name())) {
            throw new DatabaseException("I am the leader, can not reinitialize");
        }
        if (cluster.leader().isEmpty()) {
            throw new DatabaseException("Cluster has no leader, can not reinitialize");
        }
        database.stop(StopMode.IMMEDIATE, stopTimeout());
        database.removeDataDirectory();
        return "reinitializing: removed the data directory, copying it from the leader";
    }

    private void reloadPostgres() {
        try {
            database.reload();
        } catch (DatabaseException e) {
            LOG.warn("could not apply the changed configuration to PostgreSQL: {}", e.getMessage());
        }
    }

    private String decide(ClusterState cluster, PgObservation pg) {
        if (policy.paused()) {
            return "PAUSE: " + whilePaused(cluster, pg);
        }
        if (pg.process() == PgProcessState.STARTING) {
            return whilePostgresStarts(cluster);
        }
        if (!pg.isRunning()) {
            DataDirectoryState dir = database.inspectDataDirectory();
            if (dir.isEmpty()) {
                return withEmptyDataDirectory(cluster);
            }
            if (!dir.isInitialized()) {
                releaseIfLeader(cluster);
                return "data directory is not usable: " + dir.detail();
            }
            Optional<String> mismatch = systemIdMismatch(cluster, dir.systemIdentifier());
            if (mismatch.isPresent()) {
                releaseIfLeader(cluster);
                return mismatch.get();
            }
            if (cluster.initialize().isEmpty() && cluster.isUnlocked()) {
                adoptExistingCluster(dir.systemIdentifier());
            }
            return recover(cluster, pg);
        }
        Optional<String> mismatch = pg.systemIdentifier().flatMap(id -> systemIdMismatch(cluster, id));
        if (mismatch.isPresent()) {
            releaseIfLeader(cluster);
            return mismatch.get();
        }
        if (cluster.initialize().filter(s -> !s.isEmpty()).isEmpty() && pg.systemIdentifier().isPresent()
                && (cluster.isUnlocked() || cluster.isLeader(me.name()))) {
            adoptExistingCluster(pg.systemIdentifier().get());
        }
        if (cluster.isUnlocked()) {
            return unlockedCluster(cluster, pg);
        }
        if (cluster.isLeader(me.name())) {
            return asLockHolder(cluster, pg);
        }
        return asFollower(cluster, pg);
    }

    /**
     * Maintenance mode, as Patroni has it: nothing is started, stopped, promoted or demoted automatically. The holder
     * keeps its lock while its PostgreSQL runs as a primary; a running primary takes a free lock; a standby promotes
     * only as the named candidate of a manual failover. Unlike Patroni, which disables its watchdog while paused, the
     * fencing guard stays armed on the holder: if it cannot refresh its lock until the lock could expire, it cannot
     * know the cluster was not resumed and another member promoted, so its PostgreSQL is fenced.
     */
    private String whilePaused(ClusterState cluster, PgObservation pg) {
        // as Patroni does: maintenance may stop the agent for a while, which must not reset the host
        watchdog.disarm();
        boolean holder = cluster.isLeader(me.name());
        try {
            if (!pg.isRunning()) {
                if (holder && pg.process() != PgProcessState.STARTING) {
                    dcs.releaseLeader();
                    return "removed leader lock because postgres is not running";
                }
                return pg.process() == PgProcessState.STARTING ? "waiting for PostgreSQL to start"
                        : "postgres is not running";
            }
            if (cluster.isUnlocked()) {
                boolean candidate = cluster.failover().flatMap(FailoverRequest::candidate)
                        .filter(me.name()::equals).isPresent();
                if (pg.isRunningPrimary() || (candidate && pg.isRunningReplica())) {
                    acquiredThisCycle = lease.acquire();
                    if (!acquiredThisCycle) {
                        return "following new leader after trying and failing to obtain lock";
                    }
                    return pg.isRunningPrimary() ? "acquired session lock as a leader"
                            : promote(cluster, pg, "promoted self to leader by acquiring session lock");
                }
                return "no action. I am (" + me.name() + "), a secondary, and the cluster has no leader";
            }
            if (holder) {
                if (!renewedThisCycle && !lease.refresh()) {
                    return pg.isRunningPrimary() ? "continue to run as primary after failing to update leader lock "
                            + "in DCS" : "failed to update leader lock in DCS";
                }
                if (!pg.isRunningPrimary()) {
                    dcs.releaseLeader();
                    return "removed leader lock because postgres is not running as primary";
                }
                ensureClusterKeys(cluster, pg);
                Optional<String> handover = cluster.failover().flatMap(FailoverRequest::candidate).isPresent()
                        ? switchoverRequestedOfMe(cluster) : Optional.empty();
                if (handover.isPresent()) {
                    return handover.get();
                }
                maintainLeaderState(cluster, pg);
                return "no action. I am (" + me.name() + "), the leader with the lock";
            }
            String leader = cluster.leader().orElseThrow().name();
            if (pg.isRunningPrimary()) {
                return "continue to run as primary without lock";
            }
            return "no action. I am (" + me.name() + "), a secondary, and following a leader (" + leader + ")";
        } finally {
            // The one thing pgha still stops while paused: a primary whose lock could expire is fenced, because the
            // cluster may have been resumed meanwhile and another member promoted. Anything else stands down.
            if (!mayBeWritable(pg) || !cluster.isLeader(me.name())) {
                lease.released();
            }
        }
    }

    /** Nobody holds the lock: race if this member is the healthiest, else wait for whoever is. */
    private String unlockedCluster(ClusterState cluster, PgObservation pg) {
        Optional<String> unhealthy = reasonNotToRace(cluster, pg);
        if (unhealthy.isPresent()) {
            if (mayBeWritable(pg)) {
                return demoteNow(StopMode.IMMEDIATE, "demoting self because i am not the healthiest node ("
                        + unhealthy.get() + ")");
            }
            return "following a different leader because i am not the healthiest node (" + unhealthy.get() + ")";
        }
        if (!guard.external().ready()) {
            if (mayBeWritable(pg)) {
                return demoteNow(StopMode.IMMEDIATE, "demoting self because the fencing supervisor is not running");
            }
            return "not promoting self because the fencing supervisor is not running";
        }
        acquiredThisCycle = lease.acquire();
        if (!acquiredThisCycle) {
            if (mayBeWritable(pg)) {
                return demoteNow(StopMode.IMMEDIATE, "demoted self after trying and failing to obtain lock");
            }
            return "following new leader after trying and failing to obtain lock";
        }
        if (pg.isRunningPrimary()) {
            clearFailoverRequest(cluster);
            return "acquired session lock as a leader";
        }
        return promote(cluster, pg, "promoted self to leader by acquiring session lock");
    }

    /** This member holds the lock: keep it, and be the primary — or give it up cleanly for a switchover. */
    private String asLockHolder(ClusterState cluster, PgObservation pg) {
        if (!renewedThisCycle && !lease.refresh()) {
            if (mayBeWritable(pg)) {
                return demoteNow(StopMode.IMMEDIATE, "demoted self because failed to update leader lock in DCS");
            }
            lease.released();
            return "not promoting because failed to update leader lock in DCS";
        }
        if (!guard.external().ready()) {
            dcs.releaseLeader();
            if (mayBeWritable(pg)) {
                return demoteNow(StopMode.IMMEDIATE, "demoting self because the fencing supervisor is not running");
            }
            lease.released();
            return "released the leader lock because the fencing supervisor is not running";
        }
        if (policy.remotePrimary().isPresent()) {
            return asStandbyLeader(cluster, pg, policy.remotePrimary().get());
        }
        if (pg.isRunningReplica()) {
            return promote(cluster, pg, "promoted self to leader because I had the session lock");
        }
        if (pg.isRunningPrimary()) {
            // back as a primary: a later crash gets a whole primary_start_timeout again
            primaryStartRequestedAt = 0;
            Optional<String> noWatchdog = lease.armWatchdog();
            if (noWatchdog.isPresent()) {
                String demoted = demoteNow(StopMode.IMMEDIATE, "Demoting self because watchdog could not be activated: "
                        + noWatchdog.get());
                dcs.releaseLeader();
                lease.released();
                return demoted;
            }
        }
        ensureClusterKeys(cluster, pg);
        if (lease.fits(PROBE_BOUND.plus(lease.callCost()))) {
            Optional<String> handover = switchoverRequestedOfMe(cluster);
            if (handover.isPresent()) {
                return handover.get();
            }
        }
        maintainLeaderState(cluster, pg);
        return "no action. I am (" + me.name() + "), the leader with the lock";
    }

    /**
     * The lock holder of a standby cluster follows the remote primary and is never promoted: only removing the
     * {@code standby_cluster} section makes it a primary. A primary (the section was just added) is demoted.
     */
    private String asStandbyLeader(ClusterState cluster, PgObservation pg, Upstream remote) {
        if (pg.isRunningPrimary()) {
            return demoteNow(StopMode.FAST, "demoting self because the cluster became a standby cluster of "
                    + remote.where());
        }
        // a standby leader takes no writes: nothing for the fencing guard to stop
        lease.released();
        ensureClusterKeys(cluster, pg);
        maintainLeaderState(cluster, pg);
        database.follow(Optional.of(remote));
        return "no action. I am (" + me.name() + "), the standby leader with the lock";
    }

    /** Another member holds the lock: be its replica (or the replica of our replicatefrom member). */
    private String asFollower(ClusterState cluster, PgObservation pg) {
        String leader = cluster.leader().orElseThrow().name();
        if (mayBeWritable(pg)) {
            String demoted = demoteNow(StopMode.IMMEDIATE,
                    "demoting self because I do not have the lock and I was a leader");
            return guard.state() == LeaseGuard.State.ARMED ? demoted : demoted + "; " + rejoin(cluster);
        }
        lease.released();
        Optional<Upstream> upstream = upstreamFor(cluster);
        if (upstream.isEmpty()) {
            return "no action. I am (" + me.name() + "), a secondary, waiting for the leader (" + leader
                    + ") to publish its address";
        }
        if (!pg.streaming()) {
            // A standby that replayed past the new timeline's fork point can never stream from it: find out from its
            // replayed position while it does not stream, rather than report "following" for ever. Checked every
            // cycle until it streams: between one check and the re-pointing it may still have received WAL.
            Database.Divergence divergence = database.divergence(upstream.get(), pg.timeline(), pg.replayedLsn());
            if (divergence == Database.Divergence.DIVERGED) {
                database.stop(StopMode.FAST, stopTimeout());
                return "replica diverged from " + upstream.get().name() + " (replayed "
                        + pg.replayedLsn() + " on timeline " + pg.timeline() + "); " + rejoin(cluster);
            }
        }
        database.follow(upstream);
        if (policy.useSlots() && pg.isRunningReplica()) {
            maintainStandbySlots(cluster);
        }
        return "no action. I am (" + me.name() + "), a secondary, and following a leader (" + leader + ")";
    }

    /** PostgreSQL is not running: start it in the role the cluster needs. */
    private String recover(ClusterState cluster, PgObservation pg) {
        if (cluster.isLeader(me.name())) {
            if (!lease.refresh()) {
                lease.released();
                return "not starting as primary because failed to update leader lock in DCS";
            }
            if (policy.remotePrimary().isPresent()) {
                lease.released();
                database.startAsReplica(policy.remotePrimary());
                return "starting as a standby leader because i had the session lock";
            }
            if (pg.process() == PgProcessState.START_FAILED && primaryStartTimedOut()) {
                return releaseForFailover("removed leader key after trying and failing to start postgres");
            }
            if (primaryStartRequestedAt == 0 && policy.primaryStartTimeout().isZero()
                    && pg.process() == PgProcessState.CRASHED && failoverPossible(cluster)) {
                return releaseForFailover("released the leader key to fail over at once after a crash "
                        + "(primary_start_timeout is 0)");
            }
            database.startAsPrimary();
            if (primaryStartRequestedAt == 0) {
                primaryStartRequestedAt = clock.nanoTime();
            }
            return "starting primary after failure";
        }
        primaryStartRequestedAt = 0;
        lease.released();
        if (cluster.leader().isEmpty()) {
            database.startAsReplica(Optional.empty());
            return "starting as a secondary";
        }
        return rejoin(cluster);
    }

    private String releaseForFailover(String message) {
        dcs.releaseLeader();
        lease.released();
        primaryStartRequestedAt = 0;
        return message;
    }

    /** Some other member could take over: a running, streaming-capable replica allowed to promote. */
    private boolean failoverPossible(ClusterState cluster) {
        return cluster.members().stream().anyMatch(m -> !m.name().equals(me.name()) && isRunning(m)
                && m.data().role().filter("replica"::equals).isPresent()
                && !MemberIdentity.truthy(m.data().tags().get("nofailover")));
    }

    /** Brings a stopped data directory onto the leader's history and starts it as a replica. */
    private String rejoin(ClusterState cluster) {
        Optional<Upstream> upstream = upstreamFor(cluster);
        if (upstream.isEmpty()) {
            database.startAsReplica(Optional.empty());
            return "starting as a secondary (the leader has not published its address yet)";
        }
        Database.RejoinOutcome outcome = database.prepareToFollow(upstream.get());
        switch (outcome) {
            case DIVERGED -> {
                if (policy.removeDataDirectoryOnDivergedTimelines()) {
                    return reinitialize();
                }
                return "data directory diverged from the leader (" + upstream.get().name() + ") and cannot be "
                        + "rewound; not starting it (set use_pg_rewind, or remove_data_directory_on_diverged_timelines "
                        + "to re-create it)";
            }
            case REWIND_FAILED -> {
                if (policy.removeDataDirectoryOnRewindFailure()) {
                    return reinitialize();
                }
                return "pg_rewind from the leader (" + upstream.get().name() + ") failed; not starting the data "
                        + "directory (set remove_data_directory_on_rewind_failure to re-create it)";
            }
            case SOURCE_NOT_READY -> {
                // A standby cannot accept writes: start it, and check its history once the leader answers.
                database.startAsReplica(upstream);
                return "starting as a secondary; the leader (" + upstream.get().name() + ") cannot be compared with "
                        + "yet, so its history is checked once it answers";
            }
            case REWOUND -> {
                database.startAsReplica(upstream);
                return "running pg_rewind from " + upstream.get().name() + ", then starting as a secondary";
            }
            default -> {
                database.startAsReplica(upstream);
                return "starting as a secondary";
            }
        }
    }

    private String reinitialize() {
        database.removeDataDirectory();
        return "reinitializing due to diverged timelines";
    }

    /** Nothing in the data directory: bootstrap the cluster, or copy it from a running member. */
    private String withEmptyDataDirectory(ClusterState cluster) {
        if (cluster.isLeader(me.name())) {
            dcs.releaseLeader();
            lease.released();
            return "released leader key voluntarily as data dir empty and currently leader";
        }
        if (cluster.initialize().isEmpty() && cluster.isUnlocked()) {
            if (me.noFailover()) {
                return "waiting for leader to bootstrap (this member is tagged nofailover)";
            }
            if (!dcs.writeInitialize("", Precondition.absent())) {
                return "failed to acquire initialize lock";
            }
            return policy.remotePrimary().isPresent() ? bootstrapStandbyLeader(policy.remotePrimary().get())
                    : bootstrap();
        }
        Optional<Member> leader = cluster.leaderMember().filter(Ha::isRunning);
        if (leader.isEmpty()) {
            if (cluster.initialize().filter(s -> !s.isEmpty()).isPresent() && database.canCreateReplicaWithoutLeader()) {
                return createReplica(Optional.empty(), "(without leader)", cluster);
            }
            return "waiting for leader to bootstrap";
        }
        // Patroni copies from a running member tagged clonefrom when there is one, sparing the leader the load.
        List<Member> cloneSources = cluster.members().stream()
                .filter(m -> !m.name().equals(me.name()) && !cluster.isLeader(m.name()) && isRunning(m)
                        && MemberIdentity.truthy(m.data().tags().get("clonefrom")))
                .toList();
        Member source = cloneSources.isEmpty() ? leader.get()
                : cloneSources.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(cloneSources.size()));
        String from = (cluster.isLeader(source.name()) ? "leader '" : "replica '") + source.name() + "'";
        Optional<Upstream> upstream = upstreamOf(source, cluster);
        if (upstream.isEmpty()) {
            return "waiting for " + from + " to publish its address";
        }
        return createReplica(upstream, "from " + from, cluster);
    }

    /** The replica methods clean up after themselves (except where keep_data asks them not to). */
    private String createReplica(Optional<Upstream> upstream, String from, ClusterState cluster) {
        LOG.info("trying to bootstrap {}", from);
        try {
            database.createReplica(upstream);
        } catch (DatabaseException e) {
            return "failed to bootstrap " + from + ": " + e.getMessage();
        }
        database.startAsReplica(upstreamFor(cluster));
        return "bootstrapped " + from;
    }

    private static boolean isRunning(Member m) {
        return m.data().state().orElse("").equals("running");
    }

    /**
     * A new standby cluster: its first member copies the remote primary, follows it, and takes the lock as the
     * standby leader. Nothing here is writable, so the fencing guard stays disarmed.
     */
    private String bootstrapStandbyLeader(Upstream remote) {
        LOG.info("trying to bootstrap a new standby leader from {}", remote.where());
        try {
            database.createReplica(Optional.of(remote));
            database.startAsReplica(Optional.of(remote));
            String sysid = database.inspectDataDirectory().systemIdentifier();
            lease.take();
            lease.released();
            dcs.writeInitialize(sysid, Precondition.any());
            dcs.writeConfig(policy.bootstrapConfig(), Precondition.absent());
            return "bootstrapped a standby leader from " + (remote.streams() ? "the remote primary " : "")
                    + remote.where();
        } catch (RuntimeException e) {
            LOG.error("standby leader bootstrap failed: {}", e.getMessage(), e);
            try {
                dcs.releaseLeader();
                dcs.cancelInitialization();
            } finally {
                try {
                    database.stop(StopMode.IMMEDIATE, stopTimeout());
                } finally {
                    database.removeDataDirectory();
                }
            }
            return "failed to bootstrap a standby leader (" + e.getMessage() + "); removed the half-made data "
                    + "directory and released the initialize key";
        }
    }

    private String bootstrap() {
        LOG.info("trying to bootstrap a new cluster");
        try {
            database.bootstrap();
            String sysid = database.observe().systemIdentifier()
                    .orElseGet(() -> database.inspectDataDirectory().systemIdentifier());
            lease.take();
            dcs.writeInitialize(sysid, Precondition.any());
            dcs.writeConfig(policy.bootstrapConfig(), Precondition.absent());
            return "initialized a new cluster";
        } catch (RuntimeException e) {
            LOG.error("bootstrap failed: {}", e.getMessage(), e);
            try {
                dcs.releaseLeader();
                dcs.cancelInitialization();
            } finally {
                try {
                    database.stop(StopMode.IMMEDIATE, stopTimeout());
                    lease.released();
                } finally {
                    database.removeDataDirectory();
                }
            }
            return "failed to bootstrap a new cluster (" + e.getMessage() + "); removed the half-made data directory "
                    + "and released the initialize key";
        }
    }

    private String whilePostgresStarts(ClusterState cluster) {
        if (cluster.isLeader(me.name())) {
            if (!lease.refresh()) {
                database.stop(StopMode.IMMEDIATE, stopTimeout());
                lease.released();
                return "stopped PostgreSQL while starting up because leader key was lost";
            }
            if (primaryStartTimedOut()) {
                if (!failoverPossible(cluster)) {
                    return "primary start has timed out, but continuing to wait because failover is not possible";
                }
                database.stop(StopMode.IMMEDIATE, stopTimeout());
                return releaseForFailover("stopped PostgreSQL because of startup timeout and released the leader key");
            }
            long left = primaryStartRequestedAt == 0 ? policy.primaryStartTimeout().toSeconds()
                    : policy.primaryStartTimeout().toSeconds()
                            - Duration.ofNanos(clock.nanoTime() - primaryStartRequestedAt).toSeconds();
            return "PostgreSQL is still starting up, " + Math.max(0, left) + " seconds until timeout";
        }
        return "waiting for PostgreSQL to start";
    }

    private boolean primaryStartTimedOut() {
        return primaryStartRequestedAt != 0
                && clock.nanoTime() - primaryStartRequestedAt >= policy.primaryStartTimeout().toNanos();
    }

    // ---------------------------------------------------------------- promotion and demotion

    private String promote(ClusterState cluster, PgObservation pg, String message) {
        if (policy.remotePrimary().isPresent()) {
            lease.released();
            clearFailoverRequest(cluster);
            database.follow(policy.remotePrimary());
            return "took the leader lock as the standby leader, following "
                    + (policy.remotePrimary().get().streams() ? "the remote primary " : "")
                    + policy.remotePrimary().get().where();
        }
        long switchLsn = pg.walPosition();
        long oldTimeline = pg.timeline();
        if (policy.useSlots()) {
            // Created while still a standby, so that replicas re-pointed at us by the new leader key find their
            // slot the moment they connect instead of retrying after wal_retrieve_retry_interval.
            try {
                database.syncReplicationSlots(wantedSlots(cluster), Set.of());
            } catch (DatabaseException e) {
                LOG.warn("could not create replication slots before promotion: {}", e.getMessage());
            }
        }
        Optional<String> noWatchdog = lease.armWatchdog();
        if (noWatchdog.isPresent()) {
            dcs.releaseLeader();
            lease.released();
            return "Not promoting self because watchdog could not be activated: " + noWatchdog.get();
        }
        Optional<String> postponed = sync.beforePromote(cluster, policy.sync());
        if (postponed.isPresent()) {
            return postponed.get();
        }
        try {
            database.promote(policy.timings().retryTimeout().plus(Duration.ofSeconds(10)));
        } catch (PromotionVetoed e) {
            prePromoteVetoedAt = clock.nanoTime();
            dcs.releaseLeader();
            lease.released();
            // a switchover or failover to this member cannot happen now; the others must not wait for it
            boolean cancelled = cluster.failover().flatMap(FailoverRequest::candidate).filter(me.name()::equals)
                    .isPresent();
            if (cancelled) {
                clearFailoverRequest(cluster);
            }
            return "not promoting: " + e.getMessage() + "; released the leader lock" + (cancelled
                    ? ", cancelled the switchover to this member" : "") + " and sitting out one ttl";
        }
        lastKnownRole = PgRole.PRIMARY;
        primaryStartRequestedAt = 0;
        writeHistory(cluster, oldTimeline, switchLsn);
        clearFailoverRequest(cluster);
        return message;
    }

    /**
     * Stops PostgreSQL so that nothing can commit here any more; the next steps rejoin as a replica. The fencing guard
     * stands down only once PostgreSQL is confirmed stopped: if the stop fails, the guard still fences it in time.
     */
    private String demoteNow(StopMode mode, String message) {
        try {
            database.stop(mode, stopTimeout(true));
        } catch (DatabaseException e) {
            LOG.error("could not stop PostgreSQL to demote it: {}", e.getMessage());
        }
        if (database.observe().isRunning()) {
            return message + "; PostgreSQL did not stop, the fencing guard stays armed";
        }
        lastKnownRole = PgRole.UNKNOWN;
        sync.demoted();
        lease.released();
        return message;
    }

    /** A pending switchover addressed to this leader: hand over if a candidate is fit, else cancel it. */
    private Optional<String> switchoverRequestedOfMe(ClusterState cluster) {
        scheduledSwitchoverAt = 0;
        Optional<FailoverRequest> request = cluster.failover();
        if (request.isEmpty()) {
            return Optional.empty();
        }
        FailoverRequest f = request.get();
        if (f.leader().isPresent() && !f.leader().get().equals(me.name())) {
            dcs.clearFailover(Precondition.version(f.version()));
            LOG.info("switchover: the request names {} as leader, but I am; cleared it", f.leader().get());
            return Optional.empty();
        }
        if (f.scheduledAt().isPresent()) {
            Duration untilDue = Duration.between(clock.now(), f.scheduledAt().get().toInstant());
            if (untilDue.isNegative()
                    && untilDue.abs().compareTo(policy.timings().loopWait().multipliedBy(3).dividedBy(2)) > 0) {
                dcs.clearFailover(Precondition.version(f.version()));
                LOG.warn("Found a stale failover value, cleaning up: {}", f.scheduledAt().get());
                return Optional.empty();
            }
            if (untilDue.compareTo(Duration.ZERO) > 0) {
                // wake exactly when it falls due, not up to a loop_wait later
                scheduledSwitchoverAt = clock.nanoTime() + untilDue.toNanos();
                return Optional.empty();
            }
        }
        Optional<String> candidate = f.candidate().filter(c -> !c.equals(me.name()));
        List<Member> others = cluster.members().stream().filter(m -> !m.name().equals(me.name()))
                .filter(m -> candidate.map(c -> c.equals(m.name())).orElse(true)).toList();
        Map<String, Optional<PeerStatus>> answers = peers.probe(others);
        long leaderWal = database.observe().walPosition();
        Optional<SyncState> authority = SyncReplication.authority(cluster, policy.sync());
        Optional<PeerStatus> best = answers.values().stream().flatMap(Optional::stream)
                .filter(p -> !p.noFailover() && p.state().equals("running") && p.role().equals("replica"))
                .filter(p -> authority.map(a -> a.isSyncStandby(p.name())).orElse(true))
                .filter(p -> leaderWal - p.walPosition() <= policy.maximumLagOnFailover())
                .max(java.util.Comparator.comparingLong(PeerStatus::walPosition));
        if (best.isEmpty()) {
            dcs.clearFailover(Precondition.version(f.version()));
            LOG.warn("switchover: no healthy {}candidate {}found; cancelled the request",
                    authority.isPresent() ? "synchronous " : "", candidate.map(c -> "(" + c + ") ").orElse(""));
            return Optional.empty();
        }
        return Optional.of(gracefulHandover(cluster, best.get().name()));
    }

    /**
     * Switchover: checkpoint, shut down cleanly (walsenders ship everything to the connected replicas), publish the
     * shutdown checkpoint's position, then release the lock for the candidate and follow it without pg_rewind. The
     * lock is refreshed throughout, so that a slow checkpoint does not get PostgreSQL fenced halfway.
     */
    private String gracefulHandover(ClusterState cluster, String candidate) {
        LOG.info("switchover: demoting myself, handing over to {}", candidate);
        database.checkpoint(() -> lease.keepAliveDuring("switchover"));
        database.stop(StopMode.FAST, stopTimeout(true), () -> lease.keepAliveDuring("switchover"));
        if (database.observe().isRunning()) {
            return "switchover: PostgreSQL did not stop; keeping the lock";
        }
        lastKnownRole = PgRole.UNKNOWN;
        sync.demoted();
        lease.released();
        publishShutdownPosition();
        dcs.releaseLeader();
        Optional<Upstream> upstream = cluster.member(candidate).flatMap(m -> upstreamOf(m, cluster));
        database.startAsReplica(upstream);
        return "switchover: demoted myself and released the lock to " + candidate;
    }

    /** After a clean shutdown, the shutdown checkpoint is the last WAL this member has: what candidates must reach. */
    private void publishShutdownPosition() {
        long lsn = database.inspectDataDirectory().checkpointLsn();
        if (lsn <= 0) {
            return;
        }
        try {
            dcs.writeStatus(new LeaderStatus(lsn, Map.of(), List.copyOf(retainedSlots(snapshot.get().cluster()))));
        } catch (DcsUnavailableException e) {
            LOG.warn("could not publish the last WAL position before releasing the lock: {}", e.getMessage());
        }
    }

    // ---------------------------------------------------------------- the leader race

    /** Empty when this member may race for the lock; else the reason it may not. */
    private Optional<String> reasonNotToRace(ClusterState cluster, PgObservation pg) {
        if (me.noFailover()) {
            return Optional.of("I am not allowed to promote (nofailover)");
        }
        if (watchdog.required()) {
            Optional<String> unusable = watchdog.unusable(policy.timings().ttl());
            if (unusable.isPresent()) {
                return Optional.of("the watchdog is required but cannot be used: " + unusable.get());
            }
        }
        if (prePromoteVetoedAt != 0 && clock.nanoTime() - prePromoteVetoedAt < policy.timings().ttl().toNanos()) {
            return Optional.of("pre_promote refused a promotion less than ttl ago");
        }
        // Checked before anything else, a requested switchover included: a primary that keeps running through a DCS
        // outage in failsafe mode holds no lock, and its fencing deadline counts on this member not promoting.
        Optional<String> alive = failsafe.recentLeader(policy.timings().ttl().toNanos());
        if (alive.isPresent()) {
            return Optional.of("the leader " + alive.get() + " confirmed less than ttl ago, through failsafe, that it "
                    + "still runs");
        }
        Optional<FailoverRequest> failover = cluster.failover();
        if (failover.flatMap(FailoverRequest::candidate).filter(c -> c.equals(me.name())).isPresent()) {
            waitToReceive(cluster.status().optime());
            return Optional.empty();
        }
        if (pg.isRunningPrimary()) {
            return Optional.empty();
        }
        if (!pg.isRunningReplica()) {
            return Optional.of("PostgreSQL's state is unknown");
        }
        if (policy.failsafe()) {
            if (cluster.failsafe().filter(f -> !f.isEmpty() && !f.containsKey(me.name())).isPresent()) {
                return Optional.of("I am not in the failsafe member list " + cluster.failsafe().get().keySet());
            }
        }
        long myWal = pg.walPosition();
        long optime = cluster.status().optime();
        if (optime > 0 && optime - myWal > policy.maximumLagOnFailover()) {
            return Optional.of("my WAL position " + myWal + " is " + (optime - myWal) + " bytes behind the last known "
                    + "leader position, more than maximum_lag_on_failover " + policy.maximumLagOnFailover());
        }
        if (policy.checkTimeline()) {
            long clusterTimeline = cluster.history().map(h -> h.entries().stream()
                    .mapToLong(HistoryEntry::timeline).max().orElse(0) + 1).orElse(0L);
            if (pg.timeline() < clusterTimeline) {
                return Optional.of("my timeline " + pg.timeline() + " is older than the cluster's timeline "
                        + clusterTimeline + " (check_timeline)");
            }
        }
        // Only members the sync key vouches for hold every acknowledged commit: no other may take over, and none
        // of the others needs to be deferred to.
        Optional<SyncState> authority = SyncReplication.authority(cluster, policy.sync());
        if (authority.isPresent() && !SyncReplication.mayPromote(authority.get(), me.name())) {
            return Optional.of("I am not a synchronous standby (the sync key names " + authority.get().syncStandbys()
                    + ")");
        }
        Optional<String> requestedCandidate = failover.flatMap(FailoverRequest::candidate);
        Optional<String> formerLeader = failover.flatMap(FailoverRequest::leader);
        Map<String, Member> toAsk = new LinkedHashMap<>();
        lastLockedMembers.forEach(m -> toAsk.put(m.name(), m));
        cluster.members().forEach(m -> toAsk.put(m.name(), m));
        if (policy.failsafe()) {
            cluster.failsafe().orElse(Map.of()).forEach((name, url) -> toAsk.computeIfAbsent(name,
                    n -> new Member(n, 0, "", MemberData.builder().put("api_url", url).build())));
        }
        toAsk.remove(me.name());
        Map<String, Optional<PeerStatus>> answers = peers.probe(List.copyOf(toAsk.values()));
        if (requestedCandidate.isPresent()) {
            Optional<PeerStatus> c = answers.getOrDefault(requestedCandidate.get(), Optional.empty());
            if (c.isPresent() && c.get().state().equals("running") && !c.get().noFailover()) {
                return Optional.of("the switchover candidate " + requestedCandidate.get() + " is healthy");
            }
        }
        for (Optional<PeerStatus> answer : answers.values()) {
            if (answer.isEmpty()) {
                continue;
            }
            PeerStatus p = answer.get();
            if (formerLeader.filter(p.name()::equals).isPresent()) {
                continue;
            }
            if (p.isRunningPrimary()) {
                return Optional.of("Primary (" + p.name() + ") is still alive");
            }
            if (p.noFailover() || !p.state().equals("running")) {
                continue;
            }
            if (authority.isPresent() && !SyncReplication.mayPromote(authority.get(), p.name())) {
                continue;
            }
            if (p.walPosition() > myWal) {
                return Optional.of(p.name() + " is ahead in WAL (" + p.walPosition() + " > " + myWal + ")");
            }
            if (p.walPosition() == myWal && p.failoverPriority() > me.failoverPriority()) {
                return Optional.of(p.name() + " is as advanced and has a higher failover_priority");
            }
            // Equally advanced members with equal priority all race, as Patroni does: the DCS's atomic create picks
            // one, and none of them holds WAL the winner lacks. Deferring to one of them by name would leave the
            // cluster leaderless whenever that one answers HTTP but cannot reach the DCS.
        }
        if (authority.isPresent() && policy.sync().quorum()
                && authority.get().leader().filter(me.name()::equalsIgnoreCase).isEmpty()) {
            // quorum commit: each acknowledged commit is on `required` voters; hearing from `quorum` other voters that
            // are not ahead of me proves that one of us holds it, so that I do
            QuorumPromise promise = QuorumPromise.of(authority.get());
            long votes = answers.values().stream().flatMap(Optional::stream)
                    .filter(p -> !p.name().equalsIgnoreCase(me.name()) && p.state().equals("running")
                            && promise.voters().stream().anyMatch(p.name()::equalsIgnoreCase)
                            && p.walPosition() <= myWal)
                    .count();
            if (votes < promise.quorum()) {
                return Optional.of("only " + votes + " of the " + promise.quorum() + " quorum votes needed answered"
                        + " (voters " + promise.voters() + ")");
            }
        }
        return Optional.empty();
    }

    /** A switchover candidate waits, briefly, until it has received what the old leader last published. */
    private void waitToReceive(long optime) {
        long deadline = clock.nanoTime() + CATCH_UP_WAIT.toNanos();
        while (optime > 0 && clock.nanoTime() < deadline) {
            PgObservation pg = observe();
            if (!pg.isRunningReplica() || Math.max(pg.receivedLsn(), pg.replayedLsn()) >= optime) {
                return;
            }
            try {
                clock.sleep(Duration.ofMillis(50));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---------------------------------------------------------------- DCS trouble

    private String whenDcsIsUnreachable(DcsUnavailableException e) {
        PgObservation pg = observe();
        if (policy.paused()) {
            return "PAUSE: DCS is not accessible (" + e.getMessage() + ")";
        }
        if (mayBeWritable(pg)) {
            if (policy.failsafe() && pg.isRunningPrimary()) {
                long sent = clock.nanoTime();
                Optional<Set<String>> missing = failsafe.unconfirmed(Map.of("name", me.name(), "conn_url",
                        me.connUrl(), "api_url", me.apiUrl()));
                if (missing.isEmpty()) {
                    lease.confirmedByFailsafe(sent);
                    return "continue to run as a leader because failsafe mode is enabled and all members are "
                            + "accessible (" + e.getMessage() + ")";
                }
                LOG.warn("failsafe: not confirmed by {}", String.join(", ", missing.get()));
            }
            String msg = demoteNow(StopMode.IMMEDIATE, "demoted self because DCS is not accessible and I was a leader ("
                    + e.getMessage() + ")");
            if (!database.observe().isRunning()) {
                database.startAsReplica(Optional.empty());
            }
            return msg;
        }
        return "DCS is not accessible (" + e.getMessage() + ")";
    }

    // ---------------------------------------------------------------- keys the leader maintains

    private void ensureClusterKeys(ClusterState cluster, PgObservation pg) {
        if (cluster.initialize().filter(s -> s.length() >= 10).isEmpty() && pg.systemIdentifier().isPresent()) {
            dcs.writeInitialize(pg.systemIdentifier().get(), Precondition.any());
        }
        if (cluster.config().isEmpty()) {
            dcs.writeConfig(policy.bootstrapConfig(), Precondition.absent());
        }
    }

    private void maintainLeaderState(ClusterState cluster, PgObservation pg) {
        if (policy.failsafe()) {
            Map<String, String> members = Failsafe.wanted(cluster);
            if (!cluster.failsafe().equals(Optional.of(members)) && lease.fits(lease.callCost())) {
                dcs.writeFailsafe(members);
                failsafe.published(members);
            }
        }
        if (pg.isRunningPrimary() && lease.fits(OBSERVE_BOUND.plus(lease.callCost()))) {
            try {
                sync.maintain(cluster, pg.walPosition(), policy.sync()).ifPresent(LOG::info);
            } catch (DatabaseException e) {
                LOG.warn("could not maintain synchronous replication: {}", e.getMessage());
            }
        }
        if (policy.useSlots() && lease.fits(OBSERVE_BOUND)) {
            try {
                Set<String> wanted = wantedSlots(cluster);
                database.syncReplicationSlots(wanted, droppableSlots(cluster, wanted));
            } catch (DatabaseException e) {
                LOG.warn("could not maintain replication slots: {}", e.getMessage());
            }
        }
        List<String> retain = List.copyOf(retainedSlots(cluster));
        // 0 means "unknown" (an unreadable status): publishing it would switch maximum_lag_on_failover off
        long wal = pg.walPosition();
        Map<String, Long> slots = policy.useSlots()
                ? ReplicaSlots.published(me.name(), policy.slots(), permanentSlotPositions(pg), wal) : Map.of();
        boolean changed = (wal > 0 && wal != cluster.status().optime()) || !retain.equals(cluster.status().retainSlots())
                || !slots.equals(cluster.status().slots());
        if (changed && lease.fits(lease.callCost())) {
            long optime = wal > 0 ? wal : cluster.status().optime();
            if (optime > 0) {
                dcs.writeStatus(new LeaderStatus(optime, slots, retain));
            }
        }
    }

    /**
     * Where the permanent slots are on this primary (physical: the oldest WAL kept; logical: what the consumer
     * confirmed), creating missing logical ones first; nothing is read when there are none.
     */
    private Map<String, Long> permanentSlotPositions(PgObservation pg) {
        if (!pg.isRunningPrimary() || !lease.fits(OBSERVE_BOUND)) {
            return Map.of();
        }
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            if (!policy.slots().permanent().isEmpty()) {
                out.putAll(database.physicalSlotPositions());
            }
            if (!policy.slots().logical().isEmpty()) {
                database.syncLogicalSlots(policy.slots().logical());
                out.putAll(database.logicalSlotPositions());
            }
        } catch (DatabaseException e) {
            LOG.warn("could not maintain the permanent slots: {}", e.getMessage());
        }
        return out;
    }

    /**
     * A running standby keeps slots for the members cascading from it and copies of the permanent slots, advanced to
     * the leader's positions; it drops its copies of other members' slots (see {@link ReplicaSlots}).
     */
    private void maintainStandbySlots(ClusterState cluster) {
        ReplicaSlots.Plan plan = ReplicaSlots.plan(cluster, me.name(), policy.slots(), policy.paused());
        try {
            database.syncReplicationSlots(plan.wanted(), plan.droppable());
            if (!plan.advance().isEmpty()) {
                database.advancePhysicalSlots(plan.advance());
            }
            if (!policy.slots().logical().isEmpty() && policy.remotePrimary().isEmpty()) {
                Set<String> copy = ReplicaSlots.logicalToCopy(cluster, policy.slots(),
                        database.logicalSlotPositions().keySet());
                Optional<Upstream> leader = cluster.leaderMember().flatMap(m -> upstreamOf(m, cluster));
                if (!copy.isEmpty() && leader.isPresent()) {
                    database.copyLogicalSlots(leader.get(), copy);
                    return;
                }
                database.advanceLogicalSlots(ReplicaSlots.logicalTargets(cluster, policy.slots()));
            }
        } catch (DatabaseException e) {
            LOG.warn("could not maintain the replication slots of this standby: {}", e.getMessage());
        }
    }

    /**
     * Slots of every member seen within {@code member_slots_ttl}, this one included, published as the status key's
     * {@code retain_slots} so that a new leader keeps them too: a crashed former leader finds its slot ready when it
     * rejoins.
     */
    private Set<String> retainedSlots(ClusterState cluster) {
        long now = clock.nanoTime();
        for (Member m : cluster.members()) {
            String slot = SlotNames.forMember(m.name());
            slotLastSeen.put(slot, now);
            expiredMemberSlots.remove(slot);
        }
        for (String s : cluster.status().retainSlots()) {
            // a former leader's list is adopted once; a slot expired here must not come back from the status key,
            // which still names it until this member publishes the next one
            if (!expiredMemberSlots.contains(s)) {
                slotLastSeen.putIfAbsent(s, now);
            }
        }
        slotLastSeen.entrySet().removeIf(e -> {
            boolean expired = now - e.getValue() > policy.slots().memberSlotsTtl().toNanos();
            if (expired) {
                expiredMemberSlots.add(e.getKey());
            }
            return expired;
        });
        return new TreeSet<>(slotLastSeen.keySet());
    }

    /**
     * The slots the leader may drop: those of members that stream from elsewhere, and those of members gone for longer
     * than the member slot ttl. A slot that never belonged to a member (a backup tool's, a logical consumer's) is
     * never touched.
     */
    private Set<String> droppableSlots(ClusterState cluster, Set<String> wanted) {
        Set<String> droppable = new TreeSet<>(expiredMemberSlots);
        for (Member m : cluster.members()) {
            droppable.add(SlotNames.forMember(m.name()));
        }
        droppable.removeAll(wanted);
        droppable.removeAll(policy.slots().permanent());
        droppable.removeIf(policy.slots().ignored());
        return droppable;
    }

    /**
     * One physical slot per member that streams from this member (all but those cascading from another), plus the
     * retained slots of members that are briefly absent.
     */
    private Set<String> wantedSlots(ClusterState cluster) {
        Set<String> wanted = new TreeSet<>(retainedSlots(cluster));
        wanted.addAll(policy.slots().permanent());
        wanted.remove(SlotNames.forMember(me.name()));
        for (Member m : cluster.members()) {
            if (m.name().equals(me.name())) {
                continue;
            }
            Object from = m.data().tags().get("replicatefrom");
            boolean cascades = from != null && !String.valueOf(from).equals(me.name())
                    && cluster.member(String.valueOf(from)).isPresent();
            if (cascades || MemberIdentity.truthy(m.data().tags().get("nostream"))) {
                wanted.remove(SlotNames.forMember(m.name()));
            }
        }
        return wanted;
    }

    private void writeHistory(ClusterState cluster, long oldTimeline, long switchLsn) {
        if (oldTimeline <= 0) {
            return;
        }
        List<HistoryEntry> entries = new ArrayList<>(cluster.history().map(h -> h.entries()).orElse(List.of()));
        if (entries.stream().anyMatch(e -> e.timeline() == oldTimeline)) {
            return;
        }
        entries.add(new HistoryEntry(oldTimeline, switchLsn, "no recovery target specified",
                Optional.of(OffsetDateTime.ofInstant(clock.now(), ZoneOffset.UTC).toString()), Optional.of(me.name())));
        if (policy.maxTimelinesHistory() > 0 && entries.size() > policy.maxTimelinesHistory()) {
            entries = new ArrayList<>(entries.subList(entries.size() - policy.maxTimelinesHistory(), entries.size()));
        }
        Precondition p = cluster.history().map(h -> Precondition.version(h.version())).orElse(Precondition.absent());
        try {
            dcs.writeHistory(entries, p);
        } catch (DcsUnavailableException e) {
            LOG.warn("could not record the timeline switch in the history key: {}", e.getMessage());
        }
    }

    private void clearFailoverRequest(ClusterState cluster) {
        cluster.failover().ifPresent(f -> dcs.clearFailover(Precondition.version(f.version())));
    }

    private void releaseIfLeader(ClusterState cluster) {
        if (cluster.isLeader(me.name())) {
            dcs.releaseLeader();
            lease.released();
        }
    }

    private Optional<String> systemIdMismatch(ClusterState cluster, String localSystemId) {
        Optional<String> clusterId = cluster.initialize().filter(s -> s.length() >= 10);
        if (clusterId.isPresent() && !localSystemId.isEmpty() && !clusterId.get().equals(localSystemId)) {
            return Optional.of("system ID mismatch, node " + me.name() + " belongs to a different cluster: "
                    + localSystemId + " != " + clusterId.get() + "; not touching its data directory");
        }
        return Optional.empty();
    }

    private void adoptExistingCluster(String systemId) {
        if (!systemId.isEmpty() && dcs.writeInitialize(systemId, Precondition.absent())) {
            LOG.info("no initialize key in DCS: adopted the existing data directory (system ID {})", systemId);
        }
    }

    // ---------------------------------------------------------------- upstreams

    /** Whom to stream from: the replicatefrom member when it runs, else the leader. */
    private Optional<Upstream> upstreamFor(ClusterState cluster) {
        Optional<Member> cascade = me.replicateFrom().flatMap(cluster::member)
                .filter(m -> m.data().state().orElse("").equals("running"));
        Optional<Member> source = cascade.isPresent() ? cascade : cluster.leaderMember();
        return source.flatMap(m -> upstreamOf(m, cluster));
    }

    private Optional<Upstream> upstreamOf(Member source, ClusterState cluster) {
        Optional<String> url = source.data().connUrl();
        if (url.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = URI.create(url.get());
            if (uri.getHost() == null) {
                return Optional.empty();
            }
            Optional<String> slot = policy.useSlots() ? Optional.of(SlotNames.forMember(me.name())) : Optional.empty();
            return Optional.of(new Upstream(source.name(), uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 5432, slot));
        } catch (IllegalArgumentException e) {
            LOG.warn("member {} published an unusable conn_url {}: {}", source.name(), url.get(), e.getMessage());
            return Optional.empty();
        }
    }

    private Duration stopTimeout() {
        return Duration.ofSeconds(Math.max(5, policy.timings().retryTimeout().toSeconds()));
    }

    /** The budget of a clean stop: a primary's is {@code primary_stop_timeout} in synchronous mode, when set. */
    private Duration stopTimeout(boolean primary) {
        return primary ? policy.sync().primaryStopBudget(stopTimeout()) : stopTimeout();
    }

    // ---------------------------------------------------------------- publishing

    private void publishMember(PgObservation pg) {
        try {
            dcs.publishMember(memberData(pg));
        } catch (DcsUnavailableException e) {
            LOG.debug("could not publish member: {}", e.getMessage());
        }
    }

    /** This member's record as Patroni publishes it. */
    MemberData memberData(PgObservation pg) {
        MemberData.Builder b = MemberData.builder()
                .put("conn_url", me.connUrl())
                .put("api_url", me.apiUrl())
                .put("state", pg.process().patroniState())
                .put("role", roleName(pg, isStandbyLeader(pg)))
                .put("version", Versions.PATRONI_COMPATIBLE);
        if (pg.isRunning()) {
            b.put("xlog_location", pg.walPosition());
            if (pg.timeline() > 0) {
                b.put("timeline", pg.timeline());
            }
            if (pg.role() == PgRole.REPLICA) {
                b.put("replication_state", pg.streaming() ? "streaming" : "in archive recovery");
                b.put("receive_lsn", pg.receivedLsn());
                b.put("replay_lsn", pg.replayedLsn());
            }
        }
        if (!me.tags().isEmpty()) {
            b.put("tags", me.tags());
        }
        if (!pg.pendingRestart().isEmpty()) {
            b.put("pending_restart", true);
            Map<String, Object> reasons = new LinkedHashMap<>();
            pg.pendingRestart().forEach((k, v) -> reasons.put(k, Map.of("old_value", v.oldValue(), "new_value", v.newValue())));
            b.put("pending_restart_reason", reasons);
        }
        scheduledRestart.ifPresent(r -> b.put("scheduled_restart", r.published()));
        b.put("pgha_version", Versions.engine());
        return b.build();
    }

    /** Whether this member leads a standby cluster: it holds the lock and follows the remote primary. */
    public boolean isStandbyLeader(PgObservation pg) {
        return policy.standbyCluster() && pg.isRunningReplica() && snapshot.get().cluster().isLeader(me.name());
    }

    /** The role a member record and {@code /patroni} show, {@code standby_leader} for a standby cluster's leader. */
    public static String roleName(PgObservation pg, boolean standbyLeader) {
        return standbyLeader && pg.role() == PgRole.REPLICA ? "standby_leader" : roleName(pg);
    }

    /** The role a member record and {@code /patroni} show for this observation. */
    public static String roleName(PgObservation pg) {
        return switch (pg.role()) {
            case PRIMARY -> "primary";
            case REPLICA -> "replica";
            case UNKNOWN -> pg.systemIdentifier().isPresent() ? "replica" : "uninitialized";
        };
    }

    private void publishSnapshot(ClusterState cluster, PgObservation pg, boolean holdsLock, String msg) {
        snapshot.set(new HaSnapshot(me, pg, cluster, dcsLastSeen, holdsLock, msg, policy, clock.now()));
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops PostgreSQL cleanly and, if this member leads, releases the lock afterwards with its last position, so
     * that a replica takes over at once instead of after the TTL.
     */
    public String shutdown() {
        if (policy.paused()) {
            // maintenance is what pause is for (an agent upgrade, say): nothing fences the primary meanwhile
            lease.released();
            return "PAUSE: left PostgreSQL running and the leader lock in place (the cluster is paused)";
        }
        boolean leading = false;
        try {
            leading = dcs.read().isLeader(me.name());
        } catch (DcsUnavailableException e) {
            LOG.warn("DCS not accessible during shutdown: {}", e.getMessage());
        }
        database.stop(StopMode.FAST, stopTimeout(leading), leading ? () -> lease.keepAliveDuring("shutdown") : () -> { });
        PgObservation after = database.observe();
        if (after.isRunning()) {
            return "PostgreSQL did not stop; kept the leader lock";
        }
        lease.released();
        try {
            if (leading) {
                publishShutdownPosition();
                dcs.releaseLeader();
            }
            dcs.publishMember(memberData(after));
        } catch (DcsUnavailableException e) {
            LOG.warn("could not release the leader lock during shutdown: {}", e.getMessage());
        }
        return leading ? "stopped PostgreSQL and released the leader lock" : "stopped PostgreSQL";
    }
}
