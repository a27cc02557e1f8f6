package io.pgha.engine.ha.sim;

import io.pgha.engine.ha.DataDirectoryState;
import io.pgha.engine.ha.Database;
import io.pgha.engine.ha.DatabaseException;
import io.pgha.engine.ha.PgObservation;
import io.pgha.engine.ha.PgProcessState;
import io.pgha.engine.ha.PgRole;
import io.pgha.engine.ha.StopMode;
import io.pgha.engine.ha.Upstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A simulated PostgreSQL server with the shape of the real one: a data directory with a system identifier, a
 * timeline history (where each earlier timeline ended), a WAL position, a postmaster that starts, stops, crashes and
 * promotes in virtual time. A standby streams from its upstream only while it is on the upstream's history, exactly
 * the condition the real walreceiver has; the world's replication tick moves its WAL forward.
 */
final class SimPostgres implements Database {
    private static long systemIds = 7_000_000_000_000_000_000L;

    final String name;
    private final SimWorld world;
    final List<String> actions = new ArrayList<>();

    DataDirectoryState.Kind dir = DataDirectoryState.Kind.EMPTY;
    String systemId = "";
    PgProcessState process = PgProcessState.STOPPED;
    PgRole role = PgRole.UNKNOWN;
    long timeline;
    long wal;
    /** Timeline to the LSN where it ended (the next timeline forked there). */
    Map<Long, Long> history = new HashMap<>();
    Optional<Upstream> upstream = Optional.empty();
    boolean cleanShutdown = true;
    Set<String> slots = Set.of();
    long fences;

    // fault switches, set by the world
    boolean statusUnreadable;
    boolean replicationStalled;
    boolean stopFails;
    boolean rewindFails;
    /** Refuses the connections of other members (pg_hba, max_connections, still in crash recovery). */
    boolean refusesConnections;
    Duration observeLatency = Duration.ZERO;
    Duration checkpointTime = Duration.ofMillis(300);
    Duration stopTime = Duration.ofMillis(300);
    private SimClock.Event pendingStart;

    SimPostgres(String name, SimWorld world) {
        this.name = name;
        this.world = world;
    }

    /** Until when a fenced primary may still commit: a fencing stop takes up to its worst case. */
    private long writableUntil;

    /** Accepting writes: running, out of recovery (or being fenced, which is not instant). */
    boolean writable() {
        return process == PgProcessState.RUNNING && role == PgRole.PRIMARY
                || world.clock().nanoTime() < writableUntil;
    }

    boolean streaming() {
        if (process != PgProcessState.RUNNING || role != PgRole.REPLICA || upstream.isEmpty() || replicationStalled) {
            return false;
        }
        SimPostgres up = world.postgres(upstream.get().name());
        return up != null && up.process == PgProcessState.RUNNING && up.systemId.equals(systemId)
                && onHistoryOf(up, timeline, wal);
    }

    /** Whether WAL up to {@code lsn} on {@code tl} is part of {@code up}'s history. */
    static boolean onHistoryOf(SimPostgres up, long tl, long lsn) {
        if (tl == up.timeline) {
            return lsn <= up.wal;
        }
        if (tl > up.timeline) {
            return false;
        }
        Long switchpoint = up.history.get(tl);
        return switchpoint != null && lsn <= switchpoint;
    }

    /** The upstream's WAL position at the previous replication tick: what a streaming standby has received. */
    long walAtLastTick;

    /** The replication tick: a streaming standby receives what its upstream had one tick ago. */
    void replicate() {
        if (!streaming()) {
            return;
        }
        SimPostgres up = world.postgres(upstream.get().name());
        if (up.timeline != timeline) {
            history = new HashMap<>(up.history);
            timeline = up.timeline;
        }
        wal = Math.max(wal, Math.min(up.wal, up.walAtLastTick));
    }

    @Override
    public PgObservation observe() {
        world.clock().elapse(observeLatency);
        if (process != PgProcessState.RUNNING) {
            return PgObservation.stopped(process, dir == DataDirectoryState.Kind.INITIALIZED ? Optional.of(systemId)
                    : Optional.empty());
        }
        if (statusUnreadable) {
            return new PgObservation(PgProcessState.RUNNING, PgRole.UNKNOWN, 0, 0, 0, 0, Optional.empty(), false,
                    false, 0, Optional.empty(), Map.of(), List.of(), Optional.empty());
        }
        boolean standby = role == PgRole.REPLICA;
        return new PgObservation(process, role, timeline, wal, standby ? wal : 0, standby ? wal : 0, Optional.empty(),
                false, streaming(), 150000, Optional.empty(), Map.of(), List.of(), Optional.of(systemId));
    }

    @Override
    public DataDirectoryState inspectDataDirectory() {
        return switch (dir) {
            case EMPTY -> DataDirectoryState.empty();
            case UNUSABLE -> DataDirectoryState.unusable("simulated");
            case INITIALIZED -> new DataDirectoryState(DataDirectoryState.Kind.INITIALIZED, systemId, timeline,
                    cleanShutdown ? "shut down" : "in production", cleanShutdown ? wal : 0, "");
        };
    }

    @Override
    public void bootstrap() {
        actions.add("bootstrap");
        world.clock().elapse(Duration.ofSeconds(2));
        dir = DataDirectoryState.Kind.INITIALIZED;
        systemId = Long.toString(++systemIds);
        process = PgProcessState.RUNNING;
        role = PgRole.PRIMARY;
        timeline = 1;
        wal = 1000;
        history = new HashMap<>();
    }

    @Override
    public void createReplica(Optional<Upstream> source) {
        actions.add("createReplica " + source.map(Upstream::name).orElse("-"));
        SimPostgres from = world.postgres(source.orElseThrow().name());
        world.clock().elapse(Duration.ofSeconds(3));
        if (from == null || from.process != PgProcessState.RUNNING) {
            throw new DatabaseException("the source is not running");
        }
        dir = DataDirectoryState.Kind.INITIALIZED;
        systemId = from.systemId;
        timeline = from.timeline;
        history = new HashMap<>(from.history);
        wal = from.wal;
    }

    @Override
    public void startAsPrimary() {
        actions.add("startAsPrimary");
        start(PgRole.PRIMARY, Optional.empty());
    }

    @Override
    public void startAsReplica(Optional<Upstream> up) {
        actions.add("startAsReplica " + up.map(Upstream::name).orElse("-"));
        start(PgRole.REPLICA, up);
    }

    private void start(PgRole as, Optional<Upstream> up) {
        if (process == PgProcessState.RUNNING || process == PgProcessState.STARTING) {
            throw new DatabaseException("already running");
        }
        process = PgProcessState.STARTING;
        role = PgRole.UNKNOWN;
        upstream = up;
        long delay = world.random().nextLong(200, 2000) * 1_000_000L;
        pendingStart = world.clock().add(world.clock().nanoTime() + delay, null, () -> {
            if (process == PgProcessState.STARTING) {
                process = PgProcessState.RUNNING;
                role = as;
                cleanShutdown = false;
            }
        });
    }

    @Override
    public void follow(Optional<Upstream> up) {
        if (!up.equals(upstream)) {
            actions.add("follow " + up.map(Upstream::name).orElse("-"));
        }
        upstream = up;
    }

    @Override
    public void stop(StopMode mode, Duration timeout, Runnable whileWaiting) {
        actions.add("stop " + mode);
        stopBudgets.add(timeout);
        if (stopFails) {
            world.clock().elapse(timeout);
            throw new DatabaseException("simulated: PostgreSQL did not stop");
        }
        Duration left = mode == StopMode.FAST ? stopTime : Duration.ofMillis(100);
        while (left.compareTo(Duration.ofSeconds(1)) > 0) {
            world.clock().elapse(Duration.ofSeconds(1));
            left = left.minusSeconds(1);
            if (process == PgProcessState.STOPPED) {
                break;
            }
            whileWaiting.run();
        }
        world.clock().elapse(left);
        if (pendingStart != null) {
            pendingStart.cancelled = true;
        }
        if (mode == StopMode.FAST && writable()) {
            // a clean shutdown: the walsenders send everything to the connected standbys before they exit
            world.flushToStandbysOf(this);
        }
        boolean wasRunning = process == PgProcessState.RUNNING;
        cleanShutdown = mode == StopMode.FAST && wasRunning || cleanShutdown && !wasRunning;
        process = PgProcessState.STOPPED;
        role = PgRole.UNKNOWN;
    }

    @Override
    public void fence() {
        actions.add("fence");
        world.record("FENCE " + name + " by its lease guard");
        fences++;
        if (writable()) {
            // the immediate stop and SIGKILL take up to the worst case; commits may land until then
            writableUntil = world.clock().nanoTime() + world.random().nextLong(fenceWorstCase().toNanos() + 1);
        }
        if (process == PgProcessState.RUNNING || process == PgProcessState.STARTING) {
            cleanShutdown = false;
        }
        if (pendingStart != null) {
            pendingStart.cancelled = true;
        }
        process = PgProcessState.STOPPED;
        role = PgRole.UNKNOWN;
    }

    @Override
    public void promote(Duration timeout) {
        actions.add("promote");
        if (process != PgProcessState.RUNNING || role != PgRole.REPLICA) {
            throw new DatabaseException("not a running standby");
        }
        world.clock().elapse(Duration.ofMillis(200));
        history = new HashMap<>(history);
        history.put(timeline, wal);
        timeline++;
        role = PgRole.PRIMARY;
        upstream = Optional.empty();
        world.promoted(this);
    }

    @Override
    public void reload() {
        actions.add("reload");
    }

    /** The budget the HA loop gave each stop, in order. */
    final List<Duration> stopBudgets = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * What the HA loop last set synchronous_standby_names to. The simulated server replicates asynchronously whatever
     * it says; its standbys report themselves {@code sync} when named (so that the sync key can be tested).
     */
    Optional<String> syncNames = Optional.empty();

    @Override
    public List<io.pgha.engine.ha.StandbyLink> standbys() {
        return writable() ? world.standbysOf(this) : List.of();
    }

    @Override
    public void setSynchronousStandbyNames(Optional<String> value) {
        syncNames = value;
    }

    @Override
    public void checkpoint(Runnable whileWaiting) {
        actions.add("checkpoint");
        Duration left = checkpointTime;
        while (left.compareTo(Duration.ofSeconds(1)) > 0) {
            world.clock().elapse(Duration.ofSeconds(1));
            left = left.minusSeconds(1);
            whileWaiting.run();
        }
        world.clock().elapse(left);
    }

    @Override
    public void syncReplicationSlots(Set<String> wanted, Set<String> droppable) {
        java.util.Set<String> now = new java.util.TreeSet<>(slots);
        now.addAll(wanted);
        now.removeIf(slot -> droppable.contains(slot) && !wanted.contains(slot));
        for (String slot : now) {
            // a new slot reserves WAL from where this server is
            slotPositions.putIfAbsent(slot, wal);
        }
        slotPositions.keySet().retainAll(now);
        slots = Set.copyOf(now);
    }

    /** Each slot's reserved position (the simulation moves none by itself: nothing consumes them). */
    final Map<String, Long> slotPositions = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Map<String, Long> physicalSlotPositions() {
        return Map.copyOf(slotPositions);
    }

    /** Logical slots by name, with their confirmed positions (the simulation's consumers are the tests). */
    final Map<String, Long> logicalSlots = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void syncLogicalSlots(Map<String, io.pgha.engine.ha.SlotPolicy.Logical> wanted) {
        wanted.keySet().forEach(name -> logicalSlots.putIfAbsent(name, wal));
    }

    @Override
    public Map<String, Long> logicalSlotPositions() {
        return Map.copyOf(logicalSlots);
    }

    @Override
    public void copyLogicalSlots(Upstream leader, Set<String> names) {
        actions.add("copyLogicalSlots " + new java.util.TreeSet<>(names));
        SimPostgres source = world.member(leader.name()).pg;
        names.forEach(n -> {
            Long at = source.logicalSlots.get(n);
            if (at != null) {
                logicalSlots.put(n, Math.min(at, wal));
            }
        });
    }

    @Override
    public void advanceLogicalSlots(Map<String, Long> targets) {
        targets.forEach((name, target) -> logicalSlots.computeIfPresent(name,
                (n, at) -> Math.max(at, Math.min(target, wal))));
    }

    @Override
    public void advancePhysicalSlots(Map<String, Long> targets) {
        targets.forEach((name, target) -> slotPositions.computeIfPresent(name,
                (n, at) -> Math.max(at, Math.min(target, wal))));
    }

    @Override
    public RejoinOutcome prepareToFollow(Upstream source) {
        SimPostgres up = world.postgres(source.name());
        if (up == null || up.process != PgProcessState.RUNNING || up.role != PgRole.PRIMARY || up.refusesConnections) {
            return RejoinOutcome.SOURCE_NOT_READY;
        }
        if (onHistoryOf(up, timeline, wal)) {
            return RejoinOutcome.ALREADY_IN_SYNC;
        }
        if (!world.usePgRewind()) {
            return RejoinOutcome.DIVERGED;
        }
        actions.add("rewind " + source.name());
        world.clock().elapse(Duration.ofSeconds(2));
        if (rewindFails) {
            return RejoinOutcome.REWIND_FAILED;
        }
        // pg_rewind copies what changed since the fork: the directory ends on the source's history
        timeline = up.timeline;
        history = new HashMap<>(up.history);
        wal = Math.min(wal, up.wal);
        cleanShutdown = true;
        return RejoinOutcome.REWOUND;
    }

    @Override
    public Divergence divergence(Upstream source, long tl, long replayed) {
        SimPostgres up = world.postgres(source.name());
        if (up == null || up.process != PgProcessState.RUNNING || tl <= 0 || up.refusesConnections) {
            return Divergence.UNKNOWN;
        }
        return onHistoryOf(up, tl, replayed) ? Divergence.ON_HISTORY : Divergence.DIVERGED;
    }

    @Override
    public void removeDataDirectory() {
        actions.add("removeDataDirectory");
        dir = DataDirectoryState.Kind.EMPTY;
        systemId = "";
        timeline = 0;
        wal = 0;
        history = new HashMap<>();
        process = PgProcessState.STOPPED;
    }

    /** The postmaster dies (kill -9, OOM): nothing runs, the data directory needs crash recovery. */
    void crash() {
        world.disturbed();
        if (process == PgProcessState.RUNNING || process == PgProcessState.STARTING) {
            actions.add("crash");
            world.record("CRASH " + name);
            if (pendingStart != null) {
                pendingStart.cancelled = true;
            }
            process = PgProcessState.CRASHED;
            role = PgRole.UNKNOWN;
            cleanShutdown = false;
        }
    }

    @Override
    public String toString() {
        return name + "[" + process + " " + role + " tl" + timeline + " wal " + wal + "]";
    }
}
