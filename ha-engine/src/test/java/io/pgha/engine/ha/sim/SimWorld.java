package io.pgha.engine.ha.sim;

import io.pgha.engine.ha.Ha;
import io.pgha.engine.ha.HaPolicy;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.ha.PeerStatus;
import io.pgha.engine.ha.PgObservation;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.Member;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.dcs.InMemoryDcs;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * The deterministic simulation of a pgha cluster: members running the real decision tree and fencing guard on one
 * virtual clock, simulated PostgreSQL servers, the in-memory reference DCS behind a network the world controls, a
 * client writing to whichever member accepts writes, and the invariants checked after every event.
 *
 * <p>Everything random comes from one {@link Random} seeded at construction, and nothing reads the machine's clock or
 * runs on another thread, so a seed replays a run exactly. A violated invariant throws {@link InvariantViolation}
 * with the seed and the last decisions of every member.
 */
public final class SimWorld implements AutoCloseable {
    static final String SCOPE = "batman";
    private static final Duration MIN_GAP = Duration.ofMillis(20);
    private static final Duration REPLICATION_TICK = Duration.ofMillis(250);
    private static final Duration LEADER_WATCH_DELAY = Duration.ofMillis(50);

    private final long seed;
    private final Random random;
    private final SimClock clock = new SimClock();
    private final InMemoryDcs store;
    private final Map<String, SimMember> members = new LinkedHashMap<>();
    private final Config config;
    private final Stats stats;
    private final Deque<String> trace = new ArrayDeque<>();
    /** Whoever holds it runs: the scheduler, or one member's thread. */
    private final java.util.concurrent.Semaphore baton = new java.util.concurrent.Semaphore(0);

    private boolean dcsOutage;
    private final Map<String, Boolean> dcsCutOff = new HashMap<>();
    private final Map<String, Duration> dcsSlow = new HashMap<>();
    /** Told about every completed cycle, as {@code HaLoop} tells its listeners in production (the decision journal). */
    private final List<CycleObserver> cycleObservers = new ArrayList<>();

    /** Sees one member's completed cycle. */
    public interface CycleObserver {
        void cycleEnded(SimMember member, String decision, io.pgha.engine.ha.HaSnapshot snapshot, Duration took);
    }

    /** Calls {@code observer} after every completed cycle of every member, on the simulation's thread of that member. */
    public void onCycle(CycleObserver observer) {
        cycleObservers.add(observer);
    }
    private String lastLeader = "";
    private long lastDisturbance;
    private long maxPublishedOptime;
    private long minPublishedOptime = Long.MAX_VALUE;
    private boolean checking = true;
    private boolean writesPaused;
    private volatile boolean failsafe;
    private volatile io.pgha.engine.ha.SlotPolicy slotPolicy = io.pgha.engine.ha.SlotPolicy.DEFAULT;
    private volatile io.pgha.engine.ha.SyncPolicy syncPolicy = io.pgha.engine.ha.SyncPolicy.OFF;

    private volatile boolean checkTimeline;
    private volatile int maxTimelinesHistory;

    /** Runs the cluster with {@code max_timelines_history} (from the next cycle on). */
    public void maxTimelinesHistory(int n) {
        maxTimelinesHistory = n;
    }

    /** Runs the cluster with {@code check_timeline} on or off (from the next cycle on). */
    public void checkTimeline(boolean on) {
        checkTimeline = on;
    }

    /** Runs the cluster with synchronous replication as {@code sync} asks (from the next cycle on). */
    public void syncPolicy(io.pgha.engine.ha.SyncPolicy sync) {
        syncPolicy = sync;
    }

    /** Runs the cluster with {@code slots} (from the next cycle on). */
    public void slotPolicy(io.pgha.engine.ha.SlotPolicy slots) {
        slotPolicy = slots;
    }

    /** The members' REST APIs as the HA loop reaches them. */
    private final io.pgha.engine.ha.PeerProbe peers = new io.pgha.engine.ha.PeerProbe() {
        @Override
        public Map<String, Optional<PeerStatus>> probe(List<Member> targets) {
            return SimWorld.this.probe(targets);
        }

        @Override
        public java.util.Set<String> confirmFailsafe(Map<String, String> apiUrls, Map<String, Object> body) {
            return SimWorld.this.confirmFailsafe(apiUrls, String.valueOf(body.get("name")));
        }
    };

    /** Runs the cluster with {@code failsafe_mode} on or off (from the next cycle on). */
    public void failsafe(boolean on) {
        failsafe = on;
    }

    /**
     * What the cluster runs with.
     *
     * @param timings ttl, loop_wait, retry_timeout
     * @param maximumLagOnFailover bytes
     * @param primaryStartTimeout primary_start_timeout
     * @param usePgRewind use_pg_rewind
     * @param removeOnRewindFailure remove_data_directory_on_rewind_failure
     * @param removeOnDivergedTimelines remove_data_directory_on_diverged_timelines
     * @param writeBytesPerTick how much the client writes to the primary every 250 ms (upper bound)
     */
    public record Config(DcsTimings timings, long maximumLagOnFailover, Duration primaryStartTimeout,
            boolean usePgRewind, boolean removeOnRewindFailure, boolean removeOnDivergedTimelines,
            long writeBytesPerTick) {

        public static Config defaults() {
            return new Config(new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10)),
                    1_048_576, Duration.ofSeconds(300), true, false, false, 16_384);
        }

        public Config withTimings(DcsTimings t) {
            return new Config(t, maximumLagOnFailover, primaryStartTimeout, usePgRewind, removeOnRewindFailure,
                    removeOnDivergedTimelines, writeBytesPerTick);
        }

        public Config withPrimaryStartTimeout(Duration d) {
            return new Config(timings, maximumLagOnFailover, d, usePgRewind, removeOnRewindFailure,
                    removeOnDivergedTimelines, writeBytesPerTick);
        }

        public Config withRewind(boolean use, boolean removeOnFailure, boolean removeOnDiverged) {
            return new Config(timings, maximumLagOnFailover, primaryStartTimeout, use, removeOnFailure,
                    removeOnDiverged, writeBytesPerTick);
        }

        HaPolicy policy() {
            return new HaPolicy(timings, maximumLagOnFailover, primaryStartTimeout, true, usePgRewind,
                    removeOnRewindFailure, removeOnDivergedTimelines,
                    Map.of("ttl", timings.ttl().toSeconds(), "loop_wait", timings.loopWait().toSeconds(),
                            "retry_timeout", timings.retryTimeout().toSeconds()), false, "");
        }
    }

    /** What a run did: the coverage a simulation prints. */
    public static final class Stats {
        public final Map<String, Long> faults = new LinkedHashMap<>();
        public long events;
        public long cycles;
        public long invariantChecks;
        public long promotions;
        public long fences;
        public long dcsCalls;
        public long dcsFailures;
        public long quietChecks;

        void fault(String kind) {
            faults.merge(kind, 1L, Long::sum);
        }

        public void add(Stats o) {
            o.faults.forEach((k, v) -> faults.merge(k, v, Long::sum));
            events += o.events;
            cycles += o.cycles;
            invariantChecks += o.invariantChecks;
            promotions += o.promotions;
            fences += o.fences;
            dcsCalls += o.dcsCalls;
            dcsFailures += o.dcsFailures;
            quietChecks += o.quietChecks;
        }
    }

    /** An invariant broke: the message names it, the seed and what the members last decided. */
    public static final class InvariantViolation extends AssertionError {
        InvariantViolation(String message) {
            super(message);
        }
    }

    public SimWorld(long seed, Config config) {
        this(seed, config, new Stats());
    }

    public SimWorld(long seed, Config config, Stats stats) {
        this.seed = seed;
        this.random = new Random(seed);
        this.config = config;
        this.stats = stats;
        this.store = new InMemoryDcs(clock.asJavaClock());
        clock.onFrozen(name -> members.containsKey(name) && members.get(name).frozen);
        clock.afterEvent(() -> {
            stats.events++;
            check();
        });
        clock.add(REPLICATION_TICK.toNanos(), null, this::replicationTick);
    }

    // ---------------------------------------------------------------- the cluster

    /** Adds a member with an empty data directory and starts its agent. */
    public SimMember addMember(String name, Map<String, Object> tags) {
        SimMember m = new SimMember(name, members.size(), tags, new SimPostgres(name, this));
        members.put(name, m);
        startAgent(m);
        return m;
    }

    /** Starts (or restarts) a member's agent: a new process with no memory of the previous one. */
    public void startAgent(SimMember m) {
        startAgent(m, Optional.empty());
    }

    /**
     * Starts a member's agent whose store keeps its keys for {@code grantedTtl} instead of the configured ttl, and
     * says so through {@code DcsClient.grantedLeaseTtl()} (a ZooKeeper server granting a shorter session).
     */
    public void startAgent(SimMember m, Optional<Duration> grantedTtl) {
        if (m.thread != null) {
            killAgent(m);
        }
        String previous = clock.enterOwner(m.name);
        try {
            DcsTimings t = config.timings();
            DcsTimings storeTimings = grantedTtl.map(g -> new DcsTimings(g, t.loopWait(), t.retryTimeout())).orElse(t);
            var ctx = FakeDcsContext.builder().namespace("/service/").scope(SCOPE).memberName(m.name)
                    .clock(clock.asJavaClock()).timings(storeTimings).build();
            m.dcs = new SimDcsClient(this, m.name, store.open(ctx), config.timings());
            m.dcs.grantedTtl = grantedTtl;
            m.thread = new SimThread(m.name, baton);
            m.guard = new LeaseGuard(m.pg, clock);
            m.ha = new Ha(m.identity(SCOPE), m.dcs, m.pg, peers, m.guard, clock,
                    c -> config.policy().withPaused(paused(c)).withFailsafe(failsafe).withSlots(slotPolicy)
                            .withSync(syncPolicy)
                            .withCheckTimeline(checkTimeline).withMaxTimelinesHistory(maxTimelinesHistory),
                    m.watchdog);
            m.frozen = false;
            m.nextCycleAt = clock.nanoTime();
        } finally {
            clock.enterOwner(previous);
        }
    }

    /** kill -9 of the agent alone: PostgreSQL goes on; its timers (the guard) die with it. */
    public void killAgent(SimMember m) {
        clock.dropOwner(m.name);
        if (m.thread != null) {
            m.thread.kill();
            m.thread = null;
        }
        m.ha = null;
        m.guard = null;
        disturbed();
    }

    public SimMember member(String name) {
        return members.get(name);
    }

    public List<SimMember> members() {
        return List.copyOf(members.values());
    }

    SimPostgres postgres(String name) {
        SimMember m = members.get(name);
        return m == null ? null : m.pg;
    }

    public SimClock clock() {
        return clock;
    }

    public Random random() {
        return random;
    }

    public Stats stats() {
        return stats;
    }

    public Config config() {
        return config;
    }

    boolean usePgRewind() {
        return config.usePgRewind();
    }

    /** The cluster as the store holds it now (read outside any member's network). */
    public ClusterState cluster() {
        sweepStore();
        if (observer == null) {
            observer = store.open(FakeDcsContext.builder().namespace("/service/").scope(SCOPE).memberName("observer")
                    .clock(clock.asJavaClock()).timings(config.timings()).build());
        }
        return observer.read();
    }

    private io.pgha.spi.dcs.DcsClient observer;

    public InMemoryDcs store() {
        return store;
    }

    void sweepStore() {
        store.sweep();
    }

    // ---------------------------------------------------------------- the network and the store's availability

    private final java.util.Set<String> leaderRaceBroken = new java.util.HashSet<>();

    /**
     * A partial failure: {@code member} reads, publishes and answers its peers, but its attempts to create the leader
     * key fail (a permission on that key, a proxy that drops those requests).
     */
    public void setLeaderRaceBroken(String member, boolean broken) {
        if (broken) {
            leaderRaceBroken.add(member);
        } else {
            leaderRaceBroken.remove(member);
        }
        disturbed();
    }

    boolean leaderRaceBroken(String member) {
        return leaderRaceBroken.contains(member);
    }

    /** Whether {@code member}'s DCS calls are slowed down now. */
    public boolean dcsSlow(String member) {
        return dcsSlow.containsKey(member);
    }

    boolean dcsReachable(String member) {
        return !dcsOutage && !dcsCutOff.getOrDefault(member, false);
    }

    Duration dcsLatency(String member) {
        Duration slow = dcsSlow.get(member);
        if (slow != null) {
            return slow;
        }
        return Duration.ofMillis(1 + random.nextInt(20));
    }

    /** Stops (or resumes) the client's writes to the primary, so that replicas catch up to the same position. */
    public void pauseWrites(boolean paused) {
        writesPaused = paused;
    }

    /** The member holding the leader key, if any. */
    public Optional<String> leader() {
        return cluster().leader().map(l -> l.name());
    }

    /** Whether {@code name} holds the lock and its PostgreSQL accepts writes, and every other live member streams. */
    public boolean healthyUnder(String name) {
        SimMember l = members.get(name);
        if (l == null || !leader().equals(Optional.of(name)) || !l.pg.writable()) {
            return false;
        }
        return members.values().stream().filter(m -> m != l && m.agentAlive()).allMatch(m -> m.pg.streaming());
    }

    public void setDcsOutage(boolean outage) {
        dcsOutage = outage;
        disturbed();
    }

    public void setDcsCutOff(String member, boolean cut) {
        dcsCutOff.put(member, cut);
        disturbed();
    }

    /** Every call of {@code member} takes {@code latency} (empty: back to normal). */
    public void setDcsSlow(String member, Optional<Duration> latency) {
        latency.ifPresentOrElse(l -> dcsSlow.put(member, l), () -> dcsSlow.remove(member));
        disturbed();
    }

    public void freeze(SimMember m, boolean frozen) {
        m.frozen = frozen;
        if (!frozen) {
            clock.thaw(m.name);
            m.nextCycleAt = Math.max(m.nextCycleAt, clock.nanoTime());
        }
        disturbed();
    }

    /** Marks a change in the world's conditions: liveness is judged only once they have been quiet for long enough. */
    public void disturbed() {
        lastDisturbance = clock.nanoTime();
    }

    /** Peers' answers to {@code GET /patroni}: what the member's agent says about its PostgreSQL right now. */
    private Map<String, Optional<PeerStatus>> probe(List<Member> targets) {
        Map<String, Optional<PeerStatus>> out = new HashMap<>();
        boolean someoneSilent = false;
        for (Member t : targets) {
            SimMember m = members.get(t.name());
            if (m == null || !m.agentRunning() || m.httpUnreachable) {
                out.put(t.name(), Optional.empty());
                someoneSilent = true;
                continue;
            }
            Ha peer = m.ha;
            PgObservation o = peer.liveObservation();
            out.put(t.name(), Optional.of(new PeerStatus(m.name, Ha.roleName(o), o.process().patroniState(),
                    o.walPosition(), o.timeline(), peer.snapshot().me().noFailover(),
                    peer.snapshot().me().failoverPriority())));
        }
        // the probes run in parallel; a silent member costs the whole two-second timeout
        clock.elapse(someoneSilent ? Duration.ofSeconds(2) : Duration.ofMillis(5));
        return out;
    }

    /** Peers' answers to {@code POST /failsafe}: the members that accepted {@code leader}. */
    private java.util.Set<String> confirmFailsafe(Map<String, String> apiUrls, String leader) {
        java.util.Set<String> accepted = new java.util.TreeSet<>();
        SimMember caller = members.get(leader);
        if (caller != null && caller.httpUnreachable) {
            // an unreachable member is cut off both ways: its requests do not get through either
            clock.elapse(Duration.ofSeconds(4));
            return accepted;
        }
        boolean someoneSilent = false;
        for (String name : apiUrls.keySet()) {
            SimMember m = members.get(name);
            if (m == null || !m.agentRunning() || m.httpUnreachable) {
                someoneSilent = true;
                continue;
            }
            if (m.ha.acceptFailsafe(leader) == io.pgha.engine.ha.Failsafe.Reply.ACCEPTED) {
                accepted.add(name);
            }
        }
        // two attempts of two seconds each for a member that does not answer
        clock.elapse(someoneSilent ? Duration.ofSeconds(4) : Duration.ofMillis(5));
        return accepted;
    }

    // ---------------------------------------------------------------- running

    /** Runs the world for {@code d} of virtual time. */
    public void runFor(Duration d) {
        runUntilTime(clock.nanoTime() + d.toNanos());
    }

    /** Runs until {@code condition} holds (checked after every step) or {@code limit} passes; returns whether it held. */
    public boolean runUntil(BooleanSupplier condition, Duration limit) {
        long end = clock.nanoTime() + limit.toNanos();
        while (clock.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            step(end);
        }
        return condition.getAsBoolean();
    }

    private void runUntilTime(long end) {
        while (clock.nanoTime() < end) {
            step(end);
        }
    }

    /** One step: the next event, or the next member's cycle, whichever is due first. */
    private void step(long end) {
        SimMember next = null;
        for (SimMember m : members.values()) {
            if (m.agentRunning() && !m.inCycle() && (next == null || m.nextCycleAt < next.nextCycleAt)) {
                next = m;
            }
        }
        long cycleAt = next == null ? Long.MAX_VALUE : next.nextCycleAt;
        long eventAt = clock.nextEventAt();
        long target = Math.min(end, Math.min(cycleAt, eventAt));
        if (eventAt <= target) {
            clock.runUntil(eventAt);
            return;
        }
        clock.runUntil(target);
        if (target == cycleAt && next != null && next.agentRunning() && !next.inCycle()) {
            startCycle(next);
        }
    }

    /** Runs one HA cycle of {@code m} now, the rest of the world going on meanwhile; returns its decision. */
    public String cycle(SimMember m) {
        String before = m.lastDecision;
        long cycles = stats.cycles;
        startCycle(m);
        runUntil(() -> !m.inCycle(), Duration.ofMinutes(10));
        if (m.inCycle()) {
            throw new IllegalStateException(m.name + "'s cycle did not end within 10 minutes of virtual time");
        }
        return stats.cycles > cycles ? m.lastDecision : before;
    }

    /** Stops {@code m}'s agent gracefully ({@code Ha.shutdown()}, between two cycles) and returns what it said. */
    public String shutdownAgent(SimMember m) {
        runUntil(() -> !m.inCycle(), Duration.ofMinutes(10));
        String[] said = new String[1];
        Ha ha = m.ha;
        m.thread.start(() -> said[0] = ha.shutdown());
        runUntil(() -> !m.inCycle(), Duration.ofMinutes(10));
        killAgent(m);
        return said[0];
    }

    /** Starts a cycle of {@code m} on its own thread; it runs until its first call that takes time. */
    private void startCycle(SimMember m) {
        Ha ha = m.ha;
        m.thread.start(() -> {
            long started = clock.nanoTime();
            String decision = ha.runCycle();
            stats.cycles++;
            if (m.ha != ha) {
                return;
            }
            m.lastDecision = decision;
            m.cycles++;
            record(m.name + ": " + decision);
            for (CycleObserver o : cycleObservers) {
                o.cycleEnded(m, decision, ha.snapshot(), Duration.ofNanos(clock.nanoTime() - started));
            }
            long wait = Math.max(MIN_GAP.toNanos(), ha.untilNextCycle(started).toNanos());
            m.nextCycleAt = clock.nanoTime() + wait;
            check();
        });
    }

    /** The standbys streaming from {@code primary}, as its WAL senders would report them. */
    List<io.pgha.engine.ha.StandbyLink> standbysOf(SimPostgres primary) {
        List<io.pgha.engine.ha.StandbyLink> out = new ArrayList<>();
        for (SimMember m : members.values()) {
            SimPostgres pg = m.pg;
            if (pg != primary && pg.streaming() && pg.upstream.map(u -> u.name().equals(primary.name)).orElse(false)) {
                boolean sync = primary.syncNames.map(n -> java.util.Arrays.asList(n.replaceAll("[^A-Za-z0-9_,]", " ")
                        .trim().split("[ ,]+")).contains(pg.name)).orElse(false);
                out.add(new io.pgha.engine.ha.StandbyLink(pg.name, "streaming", sync ? "sync" : "async", pg.wal));
            }
        }
        return out;
    }

    /** A primary's clean shutdown: every standby streaming from it receives all of its WAL. */
    void flushToStandbysOf(SimPostgres primary) {
        for (SimMember m : members.values()) {
            SimPostgres pg = m.pg;
            if (pg != primary && pg.streaming() && pg.upstream.map(u -> u.name().equals(primary.name)).orElse(false)) {
                pg.wal = Math.max(pg.wal, primary.wal);
            }
        }
    }

    private void replicationTick() {
        for (SimMember m : members.values()) {
            m.pg.replicate();
        }
        for (SimMember m : members.values()) {
            m.pg.walAtLastTick = m.pg.wal;
        }
        for (SimMember m : members.values()) {
            if (m.pg.writable() && !writesPaused) {
                m.pg.wal += 1 + random.nextLong(config.writeBytesPerTick());
            }
        }
        clock.add(clock.nanoTime() + REPLICATION_TICK.toNanos(), null, this::replicationTick);
    }

    // ---------------------------------------------------------------- invariants

    /** Stops checking invariants (a scripted test that wants to show a violation on purpose turns them into data). */
    public void checkInvariants(boolean on) {
        this.checking = on;
    }

    void optimePublished(String member, long optime) {
        maxPublishedOptime = Math.max(maxPublishedOptime, optime);
        minPublishedOptime = Math.min(minPublishedOptime, optime);
    }

    /** The smallest optime any leader ever published (0 would switch maximum_lag_on_failover off). */
    public long minPublishedOptime() {
        return minPublishedOptime;
    }

    /** A standby was promoted: unless an operator asked for it, it may lose at most maximum_lag_on_failover. */
    void promoted(SimPostgres pg) {
        stats.promotions++;
        String manual = store.readRaw("/service/" + SCOPE + "/failover").values().stream().findFirst().orElse("");
        long fork = pg.history.get(pg.timeline - 1);
        if (checking && manual.isEmpty() && fork < maxPublishedOptime - config.maximumLagOnFailover()) {
            fail("LOSS: " + pg.name + " was promoted at " + fork + ", more than maximum_lag_on_failover "
                    + config.maximumLagOnFailover() + " behind the last position the leader published, "
                    + maxPublishedOptime);
        }
        maxPublishedOptime = 0;
    }

    /** Whether the DCS {@code config} key says {@code pause: true}. */
    static boolean paused(ClusterState c) {
        return c.config().map(cfg -> Boolean.TRUE.equals(cfg.data().get("pause"))).orElse(false);
    }

    /** Pauses or resumes the cluster as {@code patronictl pause/resume} does: through the DCS {@code config} key. */
    public void setPaused(boolean pause) {
        operator().writeConfig(Map.of("pause", pause), io.pgha.spi.dcs.Precondition.any());
        disturbed();
    }

    /** A DCS client outside every member's network, as an operator's tool (patronictl) would use. */
    public io.pgha.spi.dcs.DcsClient operator() {
        if (operator == null) {
            operator = store.open(FakeDcsContext.builder().namespace("/service/").scope(SCOPE).memberName("operator")
                    .clock(clock.asJavaClock()).timings(config.timings()).build());
        }
        return operator;
    }

    private io.pgha.spi.dcs.DcsClient operator;

    /** Checked after every event and every cycle. */
    void check() {
        if (!checking) {
            return;
        }
        if (pausedNow()) {
            // no automatic failover while paused: liveness is judged only once the cluster is resumed
            disturbed();
        }
        stats.invariantChecks++;
        List<String> writable = members.values().stream().filter(m -> m.pg.writable()).map(m -> m.name).toList();
        if (writable.size() > 1) {
            fail("SPLIT BRAIN: " + writable + " accept writes at the same instant");
        }
        String leader = leaderNow();
        if (!leader.equals(lastLeader)) {
            lastLeader = leader;
            wakeLoopsOnLeaderChange();
        }
        long fences = members.values().stream().mapToLong(m -> m.pg.fences).sum();
        stats.fences = Math.max(stats.fences, fences);
        if (clock.nanoTime() - lastDisturbance > quietBound().toNanos()) {
            stats.quietChecks++;
            SimMember holder = members.get(leader);
            if (holder == null || !holder.pg.writable()) {
                fail("NO LEADER: the world has been quiet for " + quietBound().toSeconds() + " s and no member holds "
                        + "the lock with a writable PostgreSQL (lock: '" + leader + "')");
            }
            for (SimMember m : members.values()) {
                if (m.agentRunning() && m.lastDecision.contains("and following a leader") && m.pg.process
                        == io.pgha.engine.ha.PgProcessState.RUNNING && !m.pg.streaming()) {
                    fail("STUCK: " + m.name + " says it follows the leader but has not streamed for "
                            + quietBound().toSeconds() + " s of quiet");
                }
            }
        }
    }

    private long pausedRevision = -1;
    private boolean pausedCached;

    private boolean pausedNow() {
        long revision = store.revision();
        if (revision != pausedRevision) {
            pausedCached = paused(cluster());
            pausedRevision = revision;
        }
        return pausedCached;
    }

    private long leaderRevision = -1;
    private String leaderCached = "";

    /** The leader key's holder, re-read only when the store changed (the invariants ask after every event). */
    private String leaderNow() {
        sweepStore();
        long revision = store.revision();
        if (revision != leaderRevision) {
            leaderCached = cluster().leader().map(l -> l.name()).orElse("");
            leaderRevision = revision;
        }
        return leaderCached;
    }

    /** How long the world must be undisturbed before a leader and streaming replicas are required. */
    public Duration quietBound() {
        DcsTimings t = config.timings();
        return t.ttl().plus(t.loopWait().multipliedBy(3)).plus(t.retryTimeout().multipliedBy(2))
                .plus(Duration.ofSeconds(40));
    }

    private void wakeLoopsOnLeaderChange() {
        long at = clock.nanoTime() + LEADER_WATCH_DELAY.toNanos();
        for (SimMember m : members.values()) {
            if (m.agentAlive()) {
                m.nextCycleAt = Math.min(m.nextCycleAt, at);
            }
        }
    }

    /** Counts a fault of {@code kind} and writes it into the trace. */
    void fault(String member, String kind) {
        stats.fault(kind.startsWith("switchover to") ? "switchover" : kind);
        record("FAULT " + kind + " (" + member + ")");
    }

    void record(String line) {
        trace.addLast(String.format("%9.3f %s", clock.nanoTime() / 1e9, line));
        while (trace.size() > 80) {
            trace.removeFirst();
        }
    }

    private void fail(String what) {
        checking = false;
        throw new InvariantViolation(what + " at t=" + clock.nanoTime() / 1e9 + " s, seed " + seed
                + " (reproduce: mvn -pl ha-engine test-compile surefire:test@simulation -Dsim.seed=" + seed + ")\n"
                + describe());
    }

    /** The members' state and their last decisions and faults, for failure messages. */
    public String describe() {
        StringBuilder b = new StringBuilder("members:");
        members.values().forEach(m -> b.append("\n  ").append(m));
        b.append("\nlast decisions:");
        trace.forEach(t -> b.append("\n  ").append(t));
        return b.toString();
    }

    @Override
    public void close() {
        for (SimMember m : members.values()) {
            if (m.thread != null) {
                m.thread.kill();
            }
        }
        store.close();
    }
}
