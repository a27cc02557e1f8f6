package io.pgha.engine.ha.sim;

import io.pgha.engine.ha.HaClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * Virtual time for the simulation: it moves only when the simulation moves it, and everything timed (fencing
 * guards, PostgreSQL start-ups, faults healing, replication) is an event in one queue ordered by time, then by the
 * order it was scheduled in. Nothing here reads the machine's clock, which is what makes a run a function of its seed.
 *
 * <p>Events may belong to a member: while that member's agent is frozen, its events wait (a stopped JVM runs no
 * timer), and they fire when it thaws.
 */
public final class SimClock implements HaClock {
    static final Instant EPOCH = Instant.parse("2026-12-01T00:00:00Z");

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long now;
    private long sequence;
    private Predicate<String> frozen = owner -> false;
    private Runnable afterEvent = () -> { };
    private Runnable afterTimeMoves = () -> { };

    /** One scheduled action. */
    static final class Event implements Comparable<Event> {
        final long at;
        final long seq;
        final String owner;
        final Runnable action;
        boolean cancelled;

        Event(long at, long seq, String owner, Runnable action) {
            this.at = at;
            this.seq = seq;
            this.owner = owner;
            this.action = action;
        }

        @Override
        public int compareTo(Event o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    void onFrozen(Predicate<String> isFrozen) {
        this.frozen = isFrozen;
    }

    /** Called after every event, for the invariants. */
    void afterEvent(Runnable check) {
        this.afterEvent = check;
    }

    /** Called whenever time moves, before events at the new time run (the store's TTL sweep). */
    void afterTimeMoves(Runnable sweep) {
        this.afterTimeMoves = sweep;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Instant now() {
        return EPOCH.plusNanos(now);
    }

    /** A {@link Clock} view, for the in-memory DCS's TTLs. */
    Clock asJavaClock() {
        SimClock self = this;
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return self.now();
            }
        };
    }

    @Override
    public void sleep(Duration duration) {
        elapse(duration);
    }

    @Override
    public Timer schedule(long atNanos, Runnable task) {
        SimThread member = SimThread.current();
        Event e = add(atNanos, member != null ? member.owner : currentOwner, task);
        return () -> e.cancelled = true;
    }

    /** Schedules {@code action} at {@code atNanos} for {@code owner} (null: the world's own). */
    Event add(long atNanos, String owner, Runnable action) {
        Event e = new Event(Math.max(atNanos, now), sequence++, owner, action);
        queue.add(e);
        return e;
    }

    /**
     * Moves time forward by {@code d}, running every event due on the way. Called from inside a member's cycle, this
     * is that member's call taking {@code d}: other members' timers and the world's faults happen meanwhile.
     */
    void elapse(Duration d) {
        long target = now + Math.max(0, d.toNanos());
        SimThread member = SimThread.current();
        if (member == null) {
            runUntil(target);
            return;
        }
        // a member's call that takes time: its thread waits for the event at the end of the call, and the others run
        add(target, member.owner, member::resume);
        member.park();
    }

    /** Runs every event due up to {@code target}, then sets the time to it. */
    void runUntil(long target) {
        while (true) {
            Event next = queue.peek();
            if (next == null || next.at > target) {
                break;
            }
            queue.poll();
            if (next.cancelled) {
                continue;
            }
            if (next.owner != null && frozen.test(next.owner)) {
                deferred.add(next);
                continue;
            }
            moveTo(next.at);
            String previous = enterOwner(next.owner);
            try {
                next.action.run();
            } finally {
                enterOwner(previous);
            }
            afterEvent.run();
        }
        moveTo(target);
    }

    /** The earliest pending event's time, or {@code Long.MAX_VALUE}. */
    long nextEventAt() {
        Event next = queue.peek();
        while (next != null && next.cancelled) {
            queue.poll();
            next = queue.peek();
        }
        return next == null ? Long.MAX_VALUE : next.at;
    }

    private final List<Event> deferred = new ArrayList<>();

    /** A member thawed: its timers that came due while it was frozen fire now. */
    void thaw(String owner) {
        List<Event> mine = deferred.stream().filter(e -> owner.equals(e.owner)).toList();
        deferred.removeAll(mine);
        for (Event e : mine) {
            if (!e.cancelled) {
                add(now, owner, e.action);
            }
        }
    }

    /** A member's agent died: its timers die with it. */
    void dropOwner(String owner) {
        queue.removeIf(e -> owner.equals(e.owner));
        deferred.removeIf(e -> owner.equals(e.owner));
    }

    private void moveTo(long t) {
        if (t > now) {
            now = t;
            afterTimeMoves.run();
        }
    }

    /** Which member's code is running, so that timers it arms belong to it. */
    private String currentOwner;

    /** Marks {@code owner}'s code as running; returns who ran before, to restore. */
    String enterOwner(String owner) {
        String previous = currentOwner;
        currentOwner = owner;
        return previous;
    }
}
