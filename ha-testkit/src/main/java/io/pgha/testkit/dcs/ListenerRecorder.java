package io.pgha.testkit.dcs;

import io.pgha.spi.dcs.ClusterChangeListener;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records when a watch listener was called, for latency measurements. Thread-safe. */
final class ListenerRecorder implements ClusterChangeListener {
    /** One call: {@link System#nanoTime()} and the kind reported. */
    record Call(long nanos, ChangeKind kind) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public void clusterChanged(ChangeKind what) {
        calls.add(new Call(System.nanoTime(), what));
        synchronized (this) {
            notifyAll();
        }
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    /**
     * Waits until a call that may report a leader change ({@code LEADER} or {@code OTHER}) made at or after
     * {@code fromNanos} exists, until {@code deadlineNanos}.
     */
    Optional<Call> awaitLeaderCall(long fromNanos, long deadlineNanos) {
        while (true) {
            for (Call c : calls) {
                if (c.nanos() >= fromNanos && (c.kind() == ChangeKind.LEADER || c.kind() == ChangeKind.OTHER)) {
                    return Optional.of(c);
                }
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            synchronized (this) {
                try {
                    wait(Math.max(1, Math.min(Duration.ofNanos(left).toMillis(), 50)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
    }

    /** Any call made at or after {@code fromNanos}. */
    Optional<Call> anyCallSince(long fromNanos) {
        return calls.stream().filter(c -> c.nanos() >= fromNanos).findFirst();
    }
}
