package io.pgha.dcs.etcd;

import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.testkit.Timing;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records watch notifications with their time, and waits for one of a kind. */
final class Recorder implements ClusterChangeListener {
    record Call(long nanos, ChangeKind kind) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public void clusterChanged(ChangeKind what) {
        calls.add(new Call(System.nanoTime(), what));
    }

    /** Waits for a call of {@code kind} made at or after {@code sinceNanos}; returns its time or -1. */
    long await(ChangeKind kind, long sinceNanos, Duration timeout) {
        long[] found = {-1};
        Timing.waitFor(timeout, () -> {
            for (Call c : calls) {
                if (c.kind() == kind && c.nanos() >= sinceNanos) {
                    found[0] = c.nanos();
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }
}
