package io.pgha.engine.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fencing guard's timer: armed once while the lock is renewed, and fencing exactly at the deadline in force. */
class LeaseGuardTest {
    private static final Duration TTL = Duration.ofSeconds(20);
    private static final Duration MARGIN = Duration.ofSeconds(5);

    /** A manual clock: tasks run when the test moves time past them. */
    private static final class StepClock implements HaClock {
        record Task(long at, Runnable run, boolean[] cancelled) {
        }

        long now;
        int scheduled;
        final List<Task> tasks = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public Instant now() {
            return Instant.EPOCH.plusNanos(now);
        }

        @Override
        public void sleep(Duration d) {
            advance(d);
        }

        @Override
        public Timer schedule(long atNanos, Runnable task) {
            scheduled++;
            boolean[] cancelled = {false};
            tasks.add(new Task(atNanos, task, cancelled));
            return () -> cancelled[0] = true;
        }

        void advance(Duration d) {
            long target = now + d.toNanos();
            while (true) {
                Task next = tasks.stream().filter(t -> t.at() <= target).min(Comparator.comparingLong(Task::at))
                        .orElse(null);
                if (next == null) {
                    break;
                }
                tasks.remove(next);
                now = Math.max(now, next.at());
                if (!next.cancelled()[0]) {
                    next.run().run();
                }
            }
            now = target;
        }

        long pending() {
            return tasks.stream().filter(t -> !t.cancelled()[0]).count();
        }
    }

    private static Database fencedCounter(AtomicInteger fences) {
        return (Database) Proxy.newProxyInstance(Database.class.getClassLoader(), new Class<?>[] {Database.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("fence")) {
                        fences.incrementAndGet();
                        return null;
                    }
                    if (method.isDefault()) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    @DisplayName("renewals every second arm no new timer; the guard fences at the last renewal's deadline, not before")
    void renewalsKeepOneTimer() {
        StepClock clock = new StepClock();
        AtomicInteger fences = new AtomicInteger();
        LeaseGuard guard = new LeaseGuard(fencedCounter(fences), clock);
        for (int i = 0; i < 60; i++) {
            guard.renewed(clock.nanoTime(), TTL, MARGIN);
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(0, fences.get(), "fenced while the lock was renewed every second");
        assertEquals(LeaseGuard.State.ARMED, guard.state());
        // one timer at first, then one re-arm each time it came due: every 15 s, not every renewal
        assertEquals(5, clock.scheduled, "timers armed for 60 renewals");
        assertEquals(1, clock.pending());

        long lastDeadline = guard.fenceAt();
        clock.advance(Duration.ofNanos(lastDeadline - clock.nanoTime() - 1));
        assertEquals(0, fences.get(), "fenced before the deadline");
        clock.advance(Duration.ofNanos(1));
        assertEquals(1, fences.get(), "not fenced at the deadline");
        assertEquals(LeaseGuard.State.FENCED, guard.state());
    }

    @Test
    @DisplayName("a renewal with an earlier deadline (a shorter ttl) re-arms the timer for it")
    void earlierDeadlineRearms() {
        StepClock clock = new StepClock();
        AtomicInteger fences = new AtomicInteger();
        LeaseGuard guard = new LeaseGuard(fencedCounter(fences), clock);
        guard.renewed(0, TTL, MARGIN);
        clock.advance(Duration.ofSeconds(1));
        guard.renewed(clock.nanoTime(), Duration.ofSeconds(8), MARGIN);
        long deadline = guard.fenceAt();
        assertEquals(Duration.ofSeconds(4).toNanos(), deadline);
        clock.advance(Duration.ofSeconds(3));
        assertEquals(1, fences.get(), "the shorter ttl's deadline was not kept");
    }

    @Test
    @DisplayName("released disarms: the pending timer does nothing, and the next renewal arms a new one")
    void releaseThenRenew() {
        StepClock clock = new StepClock();
        AtomicInteger fences = new AtomicInteger();
        LeaseGuard guard = new LeaseGuard(fencedCounter(fences), clock);
        guard.renewed(0, TTL, MARGIN);
        guard.released();
        clock.advance(Duration.ofSeconds(30));
        assertEquals(0, fences.get());
        assertEquals(LeaseGuard.State.DISARMED, guard.state());
        guard.renewed(clock.nanoTime(), TTL, MARGIN);
        clock.advance(Duration.ofSeconds(16));
        assertEquals(1, fences.get());
    }
}
