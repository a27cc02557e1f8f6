package io.pgha.engine.journal;

import io.pgha.engine.ha.CycleListener;
import io.pgha.engine.ha.FenceListener;
import io.pgha.engine.ha.Ha;
import io.pgha.engine.ha.HaClock;
import io.pgha.engine.ha.HaPolicy;
import io.pgha.engine.ha.HaSnapshot;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.ha.PgObservation;
import io.pgha.engine.ha.PgRole;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.Leader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's decision journal: every HA decision that changed something, with its reason and the facts it was
 * taken on, kept in a bounded ring (the oldest events drop out) and written to the log as one line each. It answers
 * the operator's "why did it demote?" through {@code GET /events}.
 *
 * <p>It learns from the HA loop's cycles ({@link CycleListener}) and from the fencing guard ({@link FenceListener});
 * a cycle is journalled when its decision differs from the previous one (numbers aside) or when a fact changed with
 * it: role, PostgreSQL's state, the lock, the leader, the timeline, the DCS's reachability, the dynamic settings.
 * Time comes from the {@link HaClock}, so the simulation's journal is as reproducible as its schedule. Thread-safe.
 */
public final class DecisionJournal implements CycleListener, FenceListener {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgha.journal");
    /** Enough for a day of an eventful cluster, a few hundred kilobytes at most. */
    public static final int DEFAULT_CAPACITY = 1000;

    private final String member;
    private final HaClock clock;
    private final Duration fenceWorstCase;
    private final int capacity;
    private final ArrayDeque<JournalEvent> ring = new ArrayDeque<>();
    private final List<Consumer<JournalEvent>> subscribers = new CopyOnWriteArrayList<>();
    private volatile LongSupplier fenceAt = () -> 0;
    private long seq;
    private HaSnapshot previous;
    private String previousShape = "";
    private boolean previousDcsReachable = true;
    /** The cluster as last read from the DCS: a cycle that could not read it keeps showing an older view. */
    private ClusterState lastRead;
    /**
     * The highest timeline PostgreSQL reported. A standby reports the timeline of its last restartpoint, which can lag
     * behind the one it replays for a while; only a move past the highest seen is news.
     */
    private long highestTimeline;

    /**
     * @param member this member's name
     * @param clock the HA loop's clock
     * @param fenceWorstCase how long the fencing stop may take (the lease left is the guard's deadline plus the margin
     *        derived from it)
     * @param capacity how many events the ring keeps
     */
    public DecisionJournal(String member, HaClock clock, Duration fenceWorstCase, int capacity) {
        this.member = Objects.requireNonNull(member, "member is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.fenceWorstCase = Objects.requireNonNull(fenceWorstCase, "fenceWorstCase is null");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Reads the lease's remaining time from {@code guard}. Set once, after the guard was built with this journal as
     * its {@link FenceListener}.
     */
    public void leaseFrom(LeaseGuard guard) {
        Objects.requireNonNull(guard, "guard is null");
        this.fenceAt = guard::fenceAt;
    }

    /** Calls {@code subscriber} with every event from now on (on the thread that records it). */
    public void subscribe(Consumer<JournalEvent> subscriber) {
        subscribers.add(Objects.requireNonNull(subscriber, "subscriber is null"));
    }

    @Override
    public void cycleEnded(String decision, HaSnapshot snapshot, Duration took) {
        boolean reachable = DecisionKinds.dcsReachable(decision);
        String shape = DecisionKinds.shape(decision);
        List<String> changes;
        JournalFacts facts;
        synchronized (this) {
            changes = changes(previous, snapshot, reachable);
            boolean record = !shape.equals(previousShape) || !changes.isEmpty();
            previous = snapshot;
            if (reachable) {
                lastRead = snapshot.cluster();
            }
            highestTimeline = Math.max(highestTimeline, snapshot.postgres().timeline());
            previousShape = shape;
            previousDcsReachable = reachable;
            if (!record) {
                return;
            }
            facts = facts(snapshot, reachable);
        }
        add(kindOf(decision, changes), decision, changes, facts);
    }

    @Override
    public void fenced(long deadlineNanos, long fences) {
        HaSnapshot last;
        boolean reachable;
        synchronized (this) {
            last = previous;
            reachable = previousDcsReachable;
        }
        if (last == null) {
            return;
        }
        long lateMillis = Duration.ofNanos(clock.nanoTime() - deadlineNanos).toMillis();
        add(EventKind.FENCED, "the leader lock was not refreshed in time and may expire: stopping PostgreSQL "
                + "immediately (fencing #" + fences + ", " + Math.max(0, lateMillis) + " ms after the deadline)",
                List.of(), facts(last, reachable));
    }

    /** Records an event the loop did not decide (the agent starting or stopping, a configuration reload). */
    public void note(EventKind kind, String reason) {
        HaSnapshot last;
        boolean reachable;
        synchronized (this) {
            last = previous;
            reachable = previousDcsReachable;
        }
        JournalFacts facts = last == null
                ? new JournalFacts("uninitialized", "stopped", false, Optional.empty(), 0, 0, Optional.empty(),
                        Optional.empty(), false, Instant.EPOCH, 0, 0)
                : facts(last, reachable);
        add(kind, reason, List.of(), facts);
    }

    /** The events with a sequence number above {@code afterSeq}, oldest first. */
    public synchronized List<JournalEvent> after(long afterSeq) {
        return ring.stream().filter(e -> e.seq() > afterSeq).toList();
    }

    /** The events recorded after {@code time}, oldest first. */
    public synchronized List<JournalEvent> after(Instant time) {
        return ring.stream().filter(e -> e.time().isAfter(time)).toList();
    }

    /** Every event still in the ring, oldest first. */
    public synchronized List<JournalEvent> all() {
        return List.copyOf(ring);
    }

    private void add(EventKind kind, String reason, List<String> changes, JournalFacts facts) {
        JournalEvent event;
        synchronized (this) {
            event = new JournalEvent(++seq, clock.now(), member, kind, reason, changes, facts);
            ring.addLast(event);
            while (ring.size() > capacity) {
                ring.removeFirst();
            }
        }
        LOG.info("journal {}: {}{} [{}]", kind.label(), reason, changes.isEmpty() ? "" : " (" + String.join(", ", changes) + ")",
                facts.summary());
        for (Consumer<JournalEvent> s : subscribers) {
            s.accept(event);
        }
    }

    private static EventKind kindOf(String decision, List<String> changes) {
        EventKind named = DecisionKinds.of(decision);
        if (named != EventKind.DECISION) {
            return named;
        }
        if (changes.contains("dcs: unreachable -> reachable")) {
            return EventKind.DCS_REACHABLE;
        }
        if (changes.contains("lock: not held -> held")) {
            return EventKind.LOCK_ACQUIRED;
        }
        if (changes.contains("lock: held -> not held")) {
            return EventKind.LOCK_LOST;
        }
        for (String c : changes) {
            if (c.startsWith("leader:")) {
                return EventKind.LEADER_CHANGED;
            }
            if (c.startsWith("config:")) {
                return EventKind.CONFIG_APPLIED;
            }
        }
        return EventKind.DECISION;
    }

    private List<String> changes(HaSnapshot before, HaSnapshot after, boolean reachable) {
        List<String> out = new ArrayList<>();
        if (before == null) {
            return out;
        }
        PgObservation b = before.postgres();
        PgObservation a = after.postgres();
        change(out, "role", roleOf(b), roleOf(a));
        change(out, "postgres", b.process().patroniState(), a.process().patroniState());
        change(out, "lock", before.holdsLock() ? "held" : "not held", after.holdsLock() ? "held" : "not held");
        if (reachable && lastRead != null) {
            change(out, "leader", leaderOf(lastRead), leaderOf(after.cluster()));
        }
        if (a.timeline() > highestTimeline && highestTimeline > 0) {
            change(out, "timeline", String.valueOf(highestTimeline), String.valueOf(a.timeline()));
        }
        change(out, "dcs", previousDcsReachable ? "reachable" : "unreachable", reachable ? "reachable" : "unreachable");
        change(out, "config", settings(before.policy()), settings(after.policy()));
        return out;
    }

    private static void change(List<String> out, String what, String before, String after) {
        if (!before.equals(after)) {
            out.add(what + ": " + before + " -> " + after);
        }
    }

    private static String roleOf(PgObservation pg) {
        return pg.isRunning() ? Ha.roleName(pg) : pg.role() == PgRole.UNKNOWN ? "none" : Ha.roleName(pg);
    }

    private static String leaderOf(ClusterState c) {
        return c.leader().map(Leader::name).orElse("none");
    }

    private static String settings(HaPolicy p) {
        return "ttl=" + p.timings().ttl().toSeconds() + " loop_wait=" + p.timings().loopWait().toSeconds()
                + " retry_timeout=" + p.timings().retryTimeout().toSeconds() + " maximum_lag_on_failover="
                + p.maximumLagOnFailover();
    }

    private JournalFacts facts(HaSnapshot s, boolean reachable) {
        PgObservation pg = s.postgres();
        ClusterState c = s.cluster();
        long optime = c.status().optime();
        Optional<Long> lag = pg.isRunningReplica() && optime > 0 && pg.walPosition() > 0
                ? Optional.of(Math.max(0, optime - pg.walPosition())) : Optional.empty();
        long deadline = fenceAt.getAsLong();
        Optional<Long> leaseLeft = deadline == 0 ? Optional.empty()
                : Optional.of(Duration.ofNanos(deadline - clock.nanoTime()).plus(s.policy().fenceMargin(fenceWorstCase))
                        .toMillis());
        return new JournalFacts(roleOf(pg), pg.process().patroniState(), s.holdsLock(), c.leader().map(Leader::name),
                pg.timeline(), pg.walPosition(), lag, leaseLeft, reachable, s.dcsLastSeen(), c.members().size(), optime);
    }
}
