package io.pgha.engine.ha;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A PostgreSQL stand-in for decision-tree tests: a state machine with the shape of the real thing (data directory,
 * process, role, timeline, WAL position), where a replica's WAL follows its upstream's while "streaming".
 */
final class SimulatedPostgres implements Database {
    static final AtomicLong SYSTEM_IDS = new AtomicLong(7_000_000_000_000_000_000L);

    final String name;
    final Map<String, SimulatedPostgres> world;
    final List<String> actions = new CopyOnWriteArrayList<>();
    volatile DataDirectoryState.Kind dir = DataDirectoryState.Kind.EMPTY;
    volatile String systemId = "";
    volatile PgProcessState process = PgProcessState.STOPPED;
    volatile PgRole role = PgRole.UNKNOWN;
    volatile long timeline;
    volatile long wal;
    volatile Optional<Upstream> upstream = Optional.empty();
    volatile boolean diverged;
    volatile Set<String> slots = Set.of();
    volatile StopMode lastStop;
    volatile boolean fenced;

    SimulatedPostgres(String name, Map<String, SimulatedPostgres> world) {
        this.name = name;
        this.world = world;
        world.put(name, this);
    }

    static Map<String, SimulatedPostgres> newWorld() {
        return new ConcurrentHashMap<>();
    }

    /** Writes on a running primary advance its WAL; replicas streaming from it catch up on observe(). */
    void write(long bytes) {
        if (process == PgProcessState.RUNNING && role == PgRole.PRIMARY) {
            wal += bytes;
        }
    }

    @Override
    public synchronized PgObservation observe() {
        if (process != PgProcessState.RUNNING) {
            return PgObservation.stopped(process, dir == DataDirectoryState.Kind.INITIALIZED ? Optional.of(systemId) : Optional.empty());
        }
        boolean streaming = false;
        if (role == PgRole.REPLICA && upstream.isPresent()) {
            SimulatedPostgres up = world.get(upstream.get().name());
            if (up != null && up.process == PgProcessState.RUNNING && up.systemId.equals(systemId) && !diverged) {
                streaming = true;
                wal = Math.max(wal, up.wal);
                timeline = Math.max(timeline, up.timeline);
            }
        }
        return new PgObservation(process, role, timeline, wal, role == PgRole.REPLICA ? wal : 0,
                role == PgRole.REPLICA ? wal : 0, Optional.empty(), false, streaming, 150000, Optional.empty(),
                Map.of(), List.of(), Optional.of(systemId));
    }

    @Override
    public DataDirectoryState inspectDataDirectory() {
        return switch (dir) {
            case EMPTY -> DataDirectoryState.empty();
            case UNUSABLE -> DataDirectoryState.unusable("simulated");
            case INITIALIZED -> new DataDirectoryState(DataDirectoryState.Kind.INITIALIZED, systemId, timeline,
                    "shut down", "");
        };
    }

    @Override
    public synchronized void bootstrap() {
        actions.add("bootstrap");
        dir = DataDirectoryState.Kind.INITIALIZED;
        systemId = Long.toString(SYSTEM_IDS.incrementAndGet());
        process = PgProcessState.RUNNING;
        role = PgRole.PRIMARY;
        timeline = 1;
        wal = 1000;
    }

    @Override
    public synchronized void createReplica(Optional<Upstream> source) {
        actions.add("createReplica " + source.map(Upstream::name).orElse("-"));
        SimulatedPostgres from = world.get(source.orElseThrow().name());
        dir = DataDirectoryState.Kind.INITIALIZED;
        systemId = from.systemId;
        timeline = from.timeline;
        wal = from.wal;
    }

    @Override
    public synchronized void startAsPrimary() {
        actions.add("startAsPrimary");
        process = PgProcessState.RUNNING;
        role = PgRole.PRIMARY;
        upstream = Optional.empty();
    }

    @Override
    public synchronized void startAsReplica(Optional<Upstream> up) {
        actions.add("startAsReplica " + up.map(Upstream::name).orElse("-"));
        process = PgProcessState.RUNNING;
        role = PgRole.REPLICA;
        upstream = up;
    }

    @Override
    public synchronized void follow(Optional<Upstream> up) {
        if (!up.equals(upstream)) {
            actions.add("follow " + up.map(Upstream::name).orElse("-"));
        }
        upstream = up;
    }

    @Override
    public synchronized void stop(StopMode mode, Duration timeout) {
        actions.add("stop " + mode);
        lastStop = mode;
        process = PgProcessState.STOPPED;
        role = PgRole.UNKNOWN;
    }

    @Override
    public synchronized void fence() {
        actions.add("fence");
        fenced = true;
        process = PgProcessState.STOPPED;
        role = PgRole.UNKNOWN;
    }

    @Override
    public synchronized void promote(Duration timeout) {
        actions.add("promote");
        role = PgRole.PRIMARY;
        timeline++;
        upstream = Optional.empty();
    }

    @Override
    public void checkpoint() {
        actions.add("checkpoint");
    }

    @Override
    public void syncReplicationSlots(Set<String> wanted) {
        slots = Set.copyOf(wanted);
    }

    @Override
    public synchronized RejoinOutcome prepareToFollow(Upstream source) {
        if (diverged) {
            actions.add("rewind " + source.name());
            diverged = false;
            return RejoinOutcome.REWOUND;
        }
        return RejoinOutcome.ALREADY_IN_SYNC;
    }

    @Override
    public synchronized void removeDataDirectory() {
        actions.add("removeDataDirectory");
        dir = DataDirectoryState.Kind.EMPTY;
        systemId = "";
        process = PgProcessState.STOPPED;
    }

    /** A crash: the postmaster is gone. */
    synchronized void crash() {
        process = PgProcessState.CRASHED;
        role = PgRole.UNKNOWN;
    }
}
