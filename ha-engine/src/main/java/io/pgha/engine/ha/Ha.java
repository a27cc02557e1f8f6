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
    private static final Duration MEMBER_SLOTS_TTL = Duration.ofMinutes(30);

    private final MemberIdentity me;
    private final DcsClient dcs;
    private final Database database;
    private final PeerProbe peers;
    private final LeaseGuard guard;
    private final Function<ClusterState, HaPolicy> policyOf;
    private final AtomicReference<HaSnapshot> snapshot = new AtomicReference<>();

    private HaPolicy policy;
    /** Set while this member may hold WAL the leader does not have (it ran as primary): check before following. */
    private boolean mayHaveDiverged = true;
    /** When the agent started PostgreSQL as a primary after a crash, for primary_start_timeout. */
    private long primaryStartRequestedAt;
    private Instant dcsLastSeen = Instant.EPOCH;
    /** Slot name to when its member was last seen in the DCS: their slots outlive a brief absence. */
    private final Map<String, Long> slotLastSeen = new java.util.HashMap<>();

    public Ha(MemberIdentity me, DcsClient dcs, Database database, PeerProbe peers, LeaseGuard guard,
            Function<ClusterState, HaPolicy> policyOf) {
        this.me = Objects.requireNonNull(me, "me is null");
        this.dcs = Objects.requireNonNull(dcs, "dcs is null");
        this.database = Objects.requireNonNull(database, "database is null");
        this.peers = Objects.requireNonNull(peers, "peers is null");
        this.guard = Objects.requireNonNull(guard, "guard is null");
        this.policyOf = Objects.requireNonNull(policyOf, "policyOf is null");
        this.policy = policyOf.apply(ClusterState.EMPTY);
        snapshot.set(new HaSnapshot(me, PgObservation.stopped(PgProcessState.STOPPED, Optional.empty()),
                ClusterState.EMPTY, Instant.EPOCH, false, "starting", policy, Instant.now()));
    }

    /** The latest view of this member and its cluster, for the REST API. */
    public HaSnapshot snapshot() {
        return snapshot.get();
    }

    /** The policy in force, for the loop's timing. */
    public HaPolicy policy() {
        return policy;
    }

    /** Runs one HA cycle and returns what it decided. Never throws. */
    public String runCycle() {
        ClusterState cluster;
        try {
            cluster = dcs.read();
            dcsLastSeen = Instant.now();
        } catch (DcsUnavailableException e) {
            String msg = whenDcsIsUnreachable(e);
            publishSnapshot(snapshot.get().cluster(), database.observe(), false, msg);
            return msg;
        }
        for (String w : cluster.warnings()) {
            LOG.warn("DCS: {}", w);
        }
        HaPolicy next = policyOf.apply(cluster);
        if (!next.timings().equals(policy.timings())) {
            dcs.updateTimings(next.timings());
        }
        policy = next;

        PgObservation pg = database.observe();
        String msg;
        try {
            msg = decide(cluster, pg);
        } catch (DcsUnavailableException e) {
            msg = "DCS is not accessible: " + e.getMessage();
        } catch (DatabaseException e) {
            msg = "Error communicating with PostgreSQL: " + e.getMessage() + ". Will try again later";
        }
        pg = database.observe();
        publishMember(pg);
        publishSnapshot(cluster, pg, cluster.isLeader(me.name()) && pg.isRunningPrimary(), msg);
        return msg;
    }

    // ---------------------------------------------------------------- the decision tree

    private String decide(ClusterState cluster, PgObservation pg) {
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

    /** Nobody holds the lock: race if this member is the healthiest, else wait for whoever is. */
    private String unlockedCluster(ClusterState cluster, PgObservation pg) {
        Optional<String> unhealthy = reasonNotToRace(cluster, pg);
        if (unhealthy.isPresent()) {
            if (pg.isRunningPrimary()) {
                demoteNow(StopMode.IMMEDIATE);
                return "demoting self because i am not the healthiest node (" + unhealthy.get() + ")";
            }
            return "following a different leader because i am not the healthiest node (" + unhealthy.get() + ")";
        }
        long sent = System.nanoTime();
        if (!dcs.acquireLeader()) {
            if (pg.isRunningPrimary()) {
                demoteNow(StopMode.IMMEDIATE);
                return "demoted self after trying and failing to obtain lock";
            }
            return "following new leader after trying and failing to obtain lock";
        }
        guard.renewed(sent, policy.timings().ttl(), policy.fenceMargin());
        if (pg.isRunningPrimary()) {
            clearFailoverRequest(cluster);
            return "acquired session lock as a leader";
        }
        return promote(cluster, pg, "promoted self to leader by acquiring session lock");
    }

    /** This member holds the lock: keep it, and be the primary — or give it up cleanly for a switchover. */
    private String asLockHolder(ClusterState cluster, PgObservation pg) {
        long sent = System.nanoTime();
        boolean kept;
        try {
            kept = dcs.refreshLeader();
        } catch (DcsUnavailableException e) {
            kept = false;
        }
        if (!kept) {
            guard.released();
            if (pg.isRunningPrimary()) {
                demoteNow(StopMode.IMMEDIATE);
                return "demoted self because failed to update leader lock in DCS";
            }
            return "not promoting because failed to update leader lock in DCS";
        }
        guard.renewed(sent, policy.timings().ttl(), policy.fenceMargin());
        if (pg.isRunningReplica()) {
            return promote(cluster, pg, "promoted self to leader because I had the session lock");
        }
        ensureClusterKeys(cluster, pg);
        Optional<String> handover = switchoverRequestedOfMe(cluster);
        if (handover.isPresent()) {
            return handover.get();
        }
        maintainLeaderState(cluster, pg);
        return "no action. I am (" + me.name() + "), the leader with the lock";
    }

    /** Another member holds the lock: be its replica (or the replica of our replicatefrom member). */
    private String asFollower(ClusterState cluster, PgObservation pg) {
        guard.released();
        String leader = cluster.leader().orElseThrow().name();
        if (pg.isRunningPrimary()) {
            demoteNow(StopMode.IMMEDIATE);
            String rejoin = rejoin(cluster);
            return "demoting self because I do not have the lock and I was a leader; " + rejoin;
        }
        Optional<Upstream> upstream = upstreamFor(cluster);
        if (upstream.isEmpty()) {
            return "no action. I am (" + me.name() + "), a secondary, waiting for the leader (" + leader
                    + ") to publish its address";
        }
        if (pg.streaming()) {
            mayHaveDiverged = false;
        } else if (mayHaveDiverged) {
            database.stop(StopMode.FAST, stopTimeout());
            return rejoin(cluster);
        }
        database.follow(upstream);
        return "no action. I am (" + me.name() + "), a secondary, and following a leader (" + leader + ")";
    }

    /** PostgreSQL is not running: start it in the role the cluster needs. */
    private String recover(ClusterState cluster, PgObservation pg) {
        if (cluster.isLeader(me.name())) {
            long sent = System.nanoTime();
            if (!dcs.refreshLeader()) {
                guard.released();
                return "not starting as primary because failed to update leader lock in DCS";
            }
            guard.renewed(sent, policy.timings().ttl(), policy.fenceMargin());
            if (pg.process() == PgProcessState.START_FAILED && primaryStartTimedOut()) {
                dcs.releaseLeader();
                guard.released();
                return "removed leader key after trying and failing to start postgres";
            }
            database.startAsPrimary();
            if (primaryStartRequestedAt == 0) {
                primaryStartRequestedAt = System.nanoTime();
            }
            return "starting primary after failure";
        }
        primaryStartRequestedAt = 0;
        guard.released();
        if (cluster.leader().isEmpty()) {
            database.startAsReplica(Optional.empty());
            return "starting as a secondary";
        }
        return rejoin(cluster);
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
            case NEEDS_REINITIALIZE -> {
                if (policy.removeDataDirectoryOnDivergedTimelines() || policy.removeDataDirectoryOnRewindFailure()) {
                    database.removeDataDirectory();
                    mayHaveDiverged = false;
                    return "reinitializing due to diverged timelines";
                }
                return "data directory diverged from the leader (" + upstream.get().name() + ") and cannot be "
                        + "rewound; not starting it (set use_pg_rewind, or remove_data_directory_on_diverged_timelines "
                        + "to re-create it)";
            }
            case SOURCE_NOT_READY -> {
                return "waiting for the leader (" + upstream.get().name() + ") to be ready before rejoining it";
            }
            case REWOUND -> {
                mayHaveDiverged = false;
                database.startAsReplica(upstream);
                return "running pg_rewind from " + upstream.get().name() + ", then starting as a secondary";
            }
            default -> {
                mayHaveDiverged = false;
                database.startAsReplica(upstream);
                return "starting as a secondary";
            }
        }
    }

    /** Nothing in the data directory: bootstrap the cluster, or copy it from a running member. */
    private String withEmptyDataDirectory(ClusterState cluster) {
        if (cluster.isLeader(me.name())) {
            dcs.releaseLeader();
            guard.released();
            return "released leader key voluntarily as data dir empty and currently leader";
        }
        if (cluster.initialize().isEmpty() && cluster.isUnlocked()) {
            if (me.noFailover()) {
                return "waiting for leader to bootstrap (this member is tagged nofailover)";
            }
            if (!dcs.writeInitialize("", Precondition.absent())) {
                return "failed to acquire initialize lock";
            }
            return bootstrap();
        }
        Optional<Member> leader = cluster.leaderMember().filter(Ha::isRunning);
        if (leader.isEmpty()) {
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
        LOG.info("trying to bootstrap from {}", from);
        try {
            database.createReplica(upstream);
        } catch (DatabaseException e) {
            database.removeDataDirectory();
            return "failed to bootstrap from " + from + ": " + e.getMessage();
        }
        mayHaveDiverged = false;
        database.startAsReplica(upstreamFor(cluster));
        return "bootstrapped from " + from;
    }

    private static boolean isRunning(Member m) {
        return m.data().state().orElse("").equals("running");
    }

    private String bootstrap() {
        LOG.info("trying to bootstrap a new cluster");
        try {
            database.bootstrap();
            String sysid = database.observe().systemIdentifier()
                    .orElseGet(() -> database.inspectDataDirectory().systemIdentifier());
            long sent = System.nanoTime();
            dcs.takeLeader();
            guard.renewed(sent, policy.timings().ttl(), policy.fenceMargin());
            dcs.writeInitialize(sysid, Precondition.any());
            dcs.writeConfig(policy.bootstrapConfig(), Precondition.absent());
            mayHaveDiverged = false;
            return "initialized a new cluster";
        } catch (RuntimeException e) {
            LOG.error("bootstrap failed: {}", e.getMessage(), e);
            guard.released();
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
            return "failed to bootstrap a new cluster (" + e.getMessage() + "); removed the half-made data directory "
                    + "and released the initialize key";
        }
    }

    private String whilePostgresStarts(ClusterState cluster) {
        if (cluster.isLeader(me.name())) {
            long sent = System.nanoTime();
            if (!dcs.refreshLeader()) {
                guard.released();
                database.stop(StopMode.IMMEDIATE, stopTimeout());
                return "stopped PostgreSQL while starting up because leader key was lost";
            }
            guard.renewed(sent, policy.timings().ttl(), policy.fenceMargin());
            if (primaryStartTimedOut()) {
                database.stop(StopMode.IMMEDIATE, stopTimeout());
                dcs.releaseLeader();
                guard.released();
                primaryStartRequestedAt = 0;
                return "stopped PostgreSQL because of startup timeout and released the leader key";
            }
            long left = primaryStartRequestedAt == 0 ? policy.primaryStartTimeout().toSeconds()
                    : policy.primaryStartTimeout().toSeconds() - Duration.ofNanos(System.nanoTime() - primaryStartRequestedAt).toSeconds();
            return "PostgreSQL is still starting up, " + Math.max(0, left) + " seconds until timeout";
        }
        return "waiting for PostgreSQL to start";
    }

    private boolean primaryStartTimedOut() {
        return primaryStartRequestedAt != 0
                && System.nanoTime() - primaryStartRequestedAt > policy.primaryStartTimeout().toNanos();
    }

    // ---------------------------------------------------------------- promotion and demotion

    private String promote(ClusterState cluster, PgObservation pg, String message) {
        long switchLsn = pg.walPosition();
        long oldTimeline = pg.timeline();
        if (policy.useSlots()) {
            // Created while still a standby, so that replicas re-pointed at us by the new leader key find their
            // slot the moment they connect instead of retrying after wal_retrieve_retry_interval.
            try {
                database.syncReplicationSlots(wantedSlots(cluster));
            } catch (DatabaseException e) {
                LOG.warn("could not create replication slots before promotion: {}", e.getMessage());
            }
        }
        database.promote(policy.timings().retryTimeout().plus(Duration.ofSeconds(10)));
        mayHaveDiverged = false;
        primaryStartRequestedAt = 0;
        writeHistory(cluster, oldTimeline, switchLsn);
        clearFailoverRequest(cluster);
        return message;
    }

    /** Stops PostgreSQL so that nothing can commit here any more; the next steps rejoin as a replica. */
    private void demoteNow(StopMode mode) {
        guard.released();
        mayHaveDiverged = true;
        database.stop(mode, stopTimeout());
    }

    /** A pending switchover addressed to this leader: hand over if a candidate is fit, else cancel it. */
    private Optional<String> switchoverRequestedOfMe(ClusterState cluster) {
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
        if (f.scheduledAt().isPresent() && f.scheduledAt().get().isAfter(OffsetDateTime.now(ZoneOffset.UTC))) {
            return Optional.empty();
        }
        Optional<String> candidate = f.candidate().filter(c -> !c.equals(me.name()));
        List<Member> others = cluster.members().stream().filter(m -> !m.name().equals(me.name()))
                .filter(m -> candidate.map(c -> c.equals(m.name())).orElse(true)).toList();
        Map<String, Optional<PeerStatus>> answers = peers.probe(others);
        long leaderWal = database.observe().walPosition();
        Optional<PeerStatus> best = answers.values().stream().flatMap(Optional::stream)
                .filter(p -> !p.noFailover() && p.state().equals("running") && p.role().equals("replica"))
                .filter(p -> leaderWal - p.walPosition() <= policy.maximumLagOnFailover())
                .max(java.util.Comparator.comparingLong(PeerStatus::walPosition));
        if (best.isEmpty()) {
            dcs.clearFailover(Precondition.version(f.version()));
            LOG.warn("switchover: no healthy candidate {}found; cancelled the request",
                    candidate.map(c -> "(" + c + ") ").orElse(""));
            return Optional.empty();
        }
        return Optional.of(gracefulHandover(cluster, best.get().name()));
    }

    /**
     * Switchover: checkpoint, shut down cleanly (walsenders ship everything to the connected replicas), publish the
     * last position, then release the lock for the candidate and follow it without pg_rewind.
     */
    private String gracefulHandover(ClusterState cluster, String candidate) {
        LOG.info("switchover: demoting myself, handing over to {}", candidate);
        database.checkpoint();
        long lastLsn = database.observe().walPosition();
        database.stop(StopMode.FAST, stopTimeout());
        guard.released();
        try {
            dcs.writeStatus(new LeaderStatus(lastLsn, Map.of(), List.of()));
        } catch (DcsUnavailableException e) {
            LOG.warn("could not publish the last WAL position before handing over: {}", e.getMessage());
        }
        dcs.releaseLeader();
        mayHaveDiverged = false;
        Optional<Upstream> upstream = cluster.member(candidate).flatMap(m -> upstreamOf(m, cluster));
        database.startAsReplica(upstream);
        return "switchover: demoted myself and released the lock to " + candidate;
    }

    // ---------------------------------------------------------------- the leader race

    /** Empty when this member may race for the lock; else the reason it may not. */
    private Optional<String> reasonNotToRace(ClusterState cluster, PgObservation pg) {
        if (me.noFailover()) {
            return Optional.of("I am not allowed to promote (nofailover)");
        }
        Optional<FailoverRequest> failover = cluster.failover();
        if (failover.flatMap(FailoverRequest::candidate).filter(c -> c.equals(me.name())).isPresent()) {
            waitToReceive(cluster.status().optime());
            return Optional.empty();
        }
        if (pg.isRunningPrimary()) {
            return Optional.empty();
        }
        long myWal = pg.walPosition();
        long optime = cluster.status().optime();
        if (optime > 0 && optime - myWal > policy.maximumLagOnFailover()) {
            return Optional.of("my WAL position " + myWal + " is " + (optime - myWal) + " bytes behind the last known "
                    + "leader position, more than maximum_lag_on_failover " + policy.maximumLagOnFailover());
        }
        Optional<String> requestedCandidate = failover.flatMap(FailoverRequest::candidate);
        Optional<String> formerLeader = failover.flatMap(FailoverRequest::leader);
        List<Member> others = cluster.members().stream().filter(m -> !m.name().equals(me.name())).toList();
        Map<String, Optional<PeerStatus>> answers = peers.probe(others);
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
            if (p.walPosition() > myWal) {
                return Optional.of(p.name() + " is ahead in WAL (" + p.walPosition() + " > " + myWal + ")");
            }
            if (p.walPosition() == myWal && p.failoverPriority() > me.failoverPriority()) {
                return Optional.of(p.name() + " is as advanced and has a higher failover_priority");
            }
            if (p.walPosition() == myWal && p.failoverPriority() == me.failoverPriority()
                    && p.name().compareTo(me.name()) < 0) {
                // equally good candidates: let the one with the smaller name go first, instead of all racing
                return Optional.of(p.name() + " is as advanced and goes first");
            }
        }
        return Optional.empty();
    }

    /** A switchover candidate waits, briefly, until it has received what the old leader last published. */
    private void waitToReceive(long optime) {
        long deadline = System.nanoTime() + CATCH_UP_WAIT.toNanos();
        while (optime > 0 && System.nanoTime() < deadline) {
            PgObservation pg = database.observe();
            if (!pg.isRunningReplica() || Math.max(pg.receivedLsn(), pg.replayedLsn()) >= optime) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---------------------------------------------------------------- DCS trouble

    private String whenDcsIsUnreachable(DcsUnavailableException e) {
        PgObservation pg = database.observe();
        if (pg.isRunningPrimary()) {
            guard.released();
            mayHaveDiverged = true;
            database.stop(StopMode.IMMEDIATE, stopTimeout());
            database.startAsReplica(Optional.empty());
            return "demoted self because DCS is not accessible and I was a leader (" + e.getMessage() + ")";
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
        if (policy.useSlots()) {
            try {
                database.syncReplicationSlots(wantedSlots(cluster));
            } catch (DatabaseException e) {
                LOG.warn("could not maintain replication slots: {}", e.getMessage());
            }
        }
        List<String> retain = List.copyOf(retainedSlots(cluster));
        if (pg.walPosition() != cluster.status().optime() || !retain.equals(cluster.status().retainSlots())) {
            dcs.writeStatus(new LeaderStatus(pg.walPosition(), Map.of(), retain));
        }
    }

    /**
     * Slots of every member seen within {@link #MEMBER_SLOTS_TTL}, this one included, published as the status key's
     * {@code retain_slots} so that a new leader keeps them too: a crashed former leader finds its slot ready when it
     * rejoins.
     */
    private Set<String> retainedSlots(ClusterState cluster) {
        long now = System.nanoTime();
        for (Member m : cluster.members()) {
            slotLastSeen.put(SlotNames.forMember(m.name()), now);
        }
        for (String s : cluster.status().retainSlots()) {
            slotLastSeen.putIfAbsent(s, now);
        }
        slotLastSeen.values().removeIf(seen -> now - seen > MEMBER_SLOTS_TTL.toNanos());
        return new TreeSet<>(slotLastSeen.keySet());
    }

    /**
     * One physical slot per member that streams from this member (all but those cascading from another), plus the
     * retained slots of members that are briefly absent.
     */
    private Set<String> wantedSlots(ClusterState cluster) {
        Set<String> wanted = new TreeSet<>(retainedSlots(cluster));
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
                Optional.of(OffsetDateTime.now(ZoneOffset.UTC).toString()), Optional.of(me.name())));
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
            guard.released();
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
                .put("role", roleName(pg))
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
        b.put("pgha_version", Versions.engine());
        return b.build();
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
        snapshot.set(new HaSnapshot(me, pg, cluster, dcsLastSeen, holdsLock, msg, policy, Instant.now()));
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops PostgreSQL cleanly and, if this member leads, releases the lock afterwards with its last position, so
     * that a replica takes over at once instead of after the TTL.
     */
    public String shutdown() {
        PgObservation pg = database.observe();
        boolean leading = false;
        try {
            leading = dcs.read().isLeader(me.name());
        } catch (DcsUnavailableException e) {
            LOG.warn("DCS not accessible during shutdown: {}", e.getMessage());
        }
        long lastLsn = pg.walPosition();
        database.stop(StopMode.FAST, stopTimeout());
        guard.released();
        PgObservation after = database.observe();
        try {
            if (leading) {
                dcs.writeStatus(new LeaderStatus(lastLsn, Map.of(), List.of()));
                dcs.releaseLeader();
            }
            dcs.publishMember(memberData(after));
        } catch (DcsUnavailableException e) {
            LOG.warn("could not release the leader lock during shutdown: {}", e.getMessage());
        }
        return leading ? "stopped PostgreSQL and released the leader lock" : "stopped PostgreSQL";
    }
}
