package io.pgha.dcs.consul.internal;

import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.PatroniLayout;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch on one cluster: a loop of blocking queries ({@code GET kv/<prefix>?recurse&index=<i>&wait=<w>}) shared by
 * every listener of one client, on its own thread and its own HTTP client (a blocking query outlives retry_timeout).
 *
 * <p>Patroni watches the leader key alone; this watches the whole cluster prefix, so that a new failover request or
 * configuration wakes the loop too, and compares each answer with the previous one key by key ({@code ModifyIndex})
 * to tell listeners what changed. A lapsed session deletes its keys, which moves the prefix's index, so expiry wakes
 * the query like any other change.
 *
 * <p>The first listener's registration reads the prefix once before returning, so that every change after
 * {@link #add} is reported. After a failed query the loop retries every half second, and reports
 * {@link ChangeKind#OTHER} once the agent answers again, since changes may have been missed meanwhile. An index that
 * goes backwards (a new cluster, a restored snapshot) restarts from scratch, as Consul's documentation asks.
 *
 * <p>Thread-safe. Listeners are called on the watch thread.
 */
final class ClusterWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterWatch.class);
    /** How long one blocking query waits; Consul adds up to 1/16 of it as jitter. */
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final long RETRY_MILLIS = 500;

    private final ConsulConnection connection;
    private final String prefix;
    private final ConsulHttp.ReadMode mode;
    private final List<ClusterChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private ConsulHttp http;
    private Thread thread;
    private long session;
    private boolean closed;

    ClusterWatch(ConsulConnection connection, String prefix, ConsulHttp.ReadMode mode) {
        this.connection = connection;
        this.prefix = prefix;
        this.mode = mode == ConsulHttp.ReadMode.STALE ? ConsulHttp.ReadMode.STALE : ConsulHttp.ReadMode.DEFAULT;
    }

    DcsClient.Subscription add(ClusterChangeListener listener) {
        long mySession;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("this Consul DCS client is closed");
            }
            listeners.add(listener);
            if (thread != null) {
                return () -> remove(listener);
            }
            mySession = ++session;
            if (http == null) {
                http = connection.newHttp(WAIT.plus(WAIT.dividedBy(16)).plusSeconds(5));
            }
        }
        Snapshot baseline = baseline();
        synchronized (lock) {
            if (mySession == session && !closed) {
                thread = new Thread(() -> run(mySession, baseline), "pgha-consul-watch " + prefix);
                thread.setDaemon(true);
                thread.start();
            }
        }
        return () -> remove(listener);
    }

    /** The prefix as it is now; an empty snapshot (index 0) when the agent cannot be read now. */
    private Snapshot baseline() {
        try {
            ConsulHttp.KvRead r = connection.call("read " + prefix + " to start watching it",
                    h -> h.read(prefix, true, mode));
            return Snapshot.of(r);
        } catch (DcsUnavailableException e) {
            LOG.debug("starting the Consul watch on {} without a baseline: {}", prefix, e.getMessage());
            return new Snapshot(0, Map.of());
        }
    }

    private void remove(ClusterChangeListener listener) {
        synchronized (lock) {
            if (listeners.remove(listener) && listeners.isEmpty() && thread != null) {
                session++;
                thread.interrupt();
                thread = null;
            }
        }
    }

    private boolean current(long mySession) {
        synchronized (lock) {
            return mySession == session && !closed;
        }
    }

    private void run(long mySession, Snapshot start) {
        Snapshot last = start;
        boolean failing = false;
        while (current(mySession)) {
            ConsulHttp h;
            synchronized (lock) {
                h = http;
            }
            if (h == null) {
                return;
            }
            long asked = System.nanoTime();
            ConsulHttp.KvRead r;
            try {
                r = h.await(prefix, Math.max(1, last.index), WAIT, mode);
            } catch (RuntimeException e) {
                if (!current(mySession)) {
                    return;
                }
                if (!failing) {
                    LOG.debug("Consul watch on {} failed, retrying: {}", prefix, e.getMessage());
                    failing = true;
                }
                if (!pause(RETRY_MILLIS)) {
                    return;
                }
                continue;
            }
            if (!current(mySession)) {
                return;
            }
            Set<ChangeKind> kinds = EnumSet.noneOf(ChangeKind.class);
            if (failing) {
                failing = false;
                kinds.add(ChangeKind.OTHER);
            }
            Snapshot next = Snapshot.of(r);
            if (r.index() < last.index) {
                // Consul's documentation: an index that goes backwards means start over
                kinds.add(ChangeKind.OTHER);
                next = new Snapshot(0, next.versions);
            }
            kinds.addAll(last.changesTo(next, this::kindOf));
            last = next;
            notifyListeners(kinds);
            if (r.index() <= 1 && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked) < 10 && !pause(100)) {
                return; // an answer at once with no usable index would spin
            }
        }
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    ChangeKind kindOf(String key) {
        String rel = key.startsWith(prefix) ? key.substring(prefix.length()) : key;
        if (rel.equals(PatroniLayout.LEADER)) {
            return ChangeKind.LEADER;
        }
        if (rel.equals(PatroniLayout.CONFIG)) {
            return ChangeKind.CONFIG;
        }
        if (rel.equals(PatroniLayout.FAILOVER)) {
            return ChangeKind.FAILOVER;
        }
        if (rel.startsWith(PatroniLayout.MEMBERS)) {
            return ChangeKind.MEMBERS;
        }
        if (rel.equals(PatroniLayout.STATUS) || rel.equals(PatroniLayout.LEGACY_LEADER_OPTIME)) {
            return ChangeKind.STATUS;
        }
        return ChangeKind.OTHER;
    }

    private void notifyListeners(Set<ChangeKind> kinds) {
        for (ChangeKind kind : kinds) {
            for (ClusterChangeListener l : listeners) {
                try {
                    l.clusterChanged(kind);
                } catch (RuntimeException e) {
                    LOG.warn("a cluster change listener failed", e);
                }
            }
        }
    }

    @Override
    public void close() {
        ConsulHttp h;
        synchronized (lock) {
            closed = true;
            session++;
            listeners.clear();
            if (thread != null) {
                thread.interrupt();
                thread = null;
            }
            h = http;
            http = null;
        }
        if (h != null) {
            h.close(); // ends a parked blocking query at once
        }
    }

    /** The keys of one answer and their ModifyIndex, at the answer's index. */
    private record Snapshot(long index, Map<String, Long> versions) {
        static Snapshot of(ConsulHttp.KvRead r) {
            Map<String, Long> v = new HashMap<>();
            r.entries().forEach(e -> v.put(e.key(), e.modifyIndex()));
            return new Snapshot(r.index(), v);
        }

        Set<ChangeKind> changesTo(Snapshot next, java.util.function.Function<String, ChangeKind> kindOf) {
            Set<ChangeKind> kinds = EnumSet.noneOf(ChangeKind.class);
            Set<String> keys = new HashSet<>(versions.keySet());
            keys.addAll(next.versions.keySet());
            for (String k : keys) {
                if (!java.util.Objects.equals(versions.get(k), next.versions.get(k))) {
                    kinds.add(kindOf.apply(k));
                }
            }
            return kinds;
        }
    }
}
