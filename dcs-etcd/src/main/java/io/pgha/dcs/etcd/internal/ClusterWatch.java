package io.pgha.dcs.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.PatroniLayout;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One prefix watch on the cluster, shared by every listener of one client.
 *
 * <p>The watch resumes where it left off: jetcd re-creates a broken stream from the revision after the last event it
 * delivered, and when jetcd gives up (the start revision was compacted, the stream was refused) or the connection
 * replaces its client, this class starts a new stream from the revision after the last event seen here. After a
 * compaction that revision is gone: the watch restarts from now and tells listeners {@link ChangeKind#OTHER}, so
 * that they re-read. Every break is reported as {@code OTHER} too, because a listener may want to re-read at once.
 *
 * <p>Thread-safe. Listeners are called on jetcd's threads, one response at a time.
 */
final class ClusterWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterWatch.class);
    private static final long RESTART_DELAY_MS = 200;

    private final EtcdConnection connection;
    private final String prefix;
    private final ByteSequence prefixBytes;
    private final List<ClusterChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService restarter;
    private final Object lock = new Object();
    private Watch.Watcher watcher;
    private long session;
    private long nextRevision;
    private boolean running;
    private boolean established;
    private boolean closed;
    /** Bumped whenever the stream may have missed an event: a break, a restart, a stop, a start "from now". */
    private long continuity;
    /** For each key seen in an event since the client started: the revision of its latest change. */
    private final Map<String, Long> lastChange = new HashMap<>();
    /** The revision of the latest change to any key under the prefix that an event delivered. */
    private long lastAnyChange;

    ClusterWatch(EtcdConnection connection, String prefix) {
        this.connection = connection;
        this.prefix = prefix;
        this.prefixBytes = ByteSequence.from(prefix, StandardCharsets.UTF_8);
        this.restarter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgha-etcd-watch " + prefix);
            t.setDaemon(true);
            return t;
        });
        connection.onRebuild(g -> restart("the etcd channel was replaced"));
    }

    DcsClient.Subscription add(ClusterChangeListener listener) {
        long mySession;
        long from;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("this etcd DCS client is closed");
            }
            listeners.add(listener);
            if (running) {
                return () -> remove(listener);
            }
            running = true;
            mySession = ++session;
            from = nextRevision;
        }
        if (from == 0) {
            // Watching "from now" would miss a write made right after watch() returns but before the store set
            // the stream up; starting after the revision read here includes every write that follows this call.
            from = currentRevision() + 1;
        }
        open(mySession, from);
        return () -> remove(listener);
    }

    private void remove(ClusterChangeListener listener) {
        Watch.Watcher old = null;
        synchronized (lock) {
            if (listeners.remove(listener) && listeners.isEmpty() && running) {
                running = false;
                continuity++;
                session++;
                old = watcher;
                watcher = null;
            }
        }
        closeQuietly(old);
    }

    /** The store's current revision, or -1 when it cannot be read now (the stream then starts from "now"). */
    private long currentRevision() {
        try {
            return connection.call("read the current revision", c -> c.getKVClient()
                    .get(prefixBytes, GetOption.builder().withCountOnly(true).build()))
                    .getHeader().getRevision();
        } catch (DcsUnavailableException e) {
            LOG.debug("starting the etcd watch on {} from now: {}", prefix, e.getMessage());
            return -1;
        }
    }

    /** Whether the store has confirmed a stream (for tests that must not race the watch's creation). */
    boolean isEstablished() {
        synchronized (lock) {
            return watcher != null && established;
        }
    }

    /**
     * A mark of the stream's unbroken stretch, taken before a call whose answer is to be checked against later
     * events; {@link #unchangedSince} accepts only a mark of the current stretch.
     */
    long continuity() {
        synchronized (lock) {
            return continuity;
        }
    }

    /**
     * Whether the stream, live and unbroken since {@code mark} was taken, has delivered no change to {@code key} after
     * {@code revision}. {@code false} whenever the watch cannot tell: not running, not yet confirmed by the store, or
     * restarted since the mark (events may have been missed).
     *
     * <p>An event is delivered a few milliseconds after its write: a change that recent can still be missing.
     */
    boolean unchangedSince(String key, long revision, long mark) {
        synchronized (lock) {
            return unbrokenSince(mark) && lastChange.getOrDefault(key, 0L) <= revision;
        }
    }

    /** Like {@link #unchangedSince} for every key under the prefix at once. */
    boolean prefixUnchangedSince(long revision, long mark) {
        synchronized (lock) {
            return unbrokenSince(mark) && lastAnyChange <= revision;
        }
    }

    /** Live, confirmed by the store, and not restarted since {@code mark} was taken. Called holding {@code lock}. */
    private boolean unbrokenSince(long mark) {
        return running && established && watcher != null && mark == continuity;
    }

    // jetcd calls our listener while holding its own lock, so jetcd is never called while holding ours.
    private void open(long mySession, long from) {
        // progress notifications move our revision forward on a quiet prefix, so that a restart does not replay (or
        // hit a compaction of) a long stretch of history that held no event for us
        WatchOption.Builder option = WatchOption.builder().isPrefix(true).withCreateNotify(true).withProgressNotify(true);
        synchronized (lock) {
            if (mySession != session) {
                return;
            }
            established = false;
            continuity++;
            if (from > 0) {
                nextRevision = Math.max(nextRevision, from);
            }
        }
        if (from > 0) {
            option.withRevision(from);
        }
        Watch.Watcher w;
        try {
            w = connection.current().client().getWatchClient().watch(prefixBytes, option.build(), new Listener(mySession));
        } catch (RuntimeException e) {
            // the client was closed under us by a rebuild, which restarts the watch itself; retry in case it did not
            LOG.debug("cannot start the etcd watch on {}: {}", prefix, e.toString());
            scheduleRestart("the watch could not start");
            return;
        }
        boolean keep;
        synchronized (lock) {
            keep = mySession == session && !closed;
            if (keep) {
                watcher = w;
            }
        }
        if (!keep) {
            closeQuietly(w);
        }
    }

    private void restart(String why) {
        Watch.Watcher old;
        long mySession;
        long from;
        synchronized (lock) {
            if (closed || !running) {
                return;
            }
            old = watcher;
            watcher = null;
            established = false;
            continuity++;
            mySession = ++session;
            from = nextRevision;
        }
        LOG.debug("restarting the etcd watch on {} from revision {}: {}", prefix, from, why);
        closeQuietly(old);
        open(mySession, from);
        notifyListeners(EnumSet.of(ChangeKind.OTHER));
    }

    private void scheduleRestart(String why) {
        try {
            restarter.schedule(() -> restart(why), RESTART_DELAY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private static void closeQuietly(Watch.Watcher w) {
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                LOG.debug("closing an etcd watch failed", e);
            }
        }
    }

    private void onResponse(long mySession, WatchResponse response) {
        Set<ChangeKind> kinds = EnumSet.noneOf(ChangeKind.class);
        synchronized (lock) {
            if (mySession != session) {
                return;
            }
            if (LOG.isTraceEnabled()) {
                LOG.trace("watch {} session {}: created={} revision={} events={}", prefix, mySession,
                        response.isCreatedNotify(), response.getHeader().getRevision(), response.getEvents().stream()
                                .map(e -> e.getEventType() + " " + e.getKeyValue().getKey() + "@"
                                        + e.getKeyValue().getModRevision())
                                .toList());
            }
            if (response.isCreatedNotify()) {
                established = true;
                if (nextRevision == 0) {
                    // started "from now" (after a compaction or without a revision): changes before it may be lost
                    nextRevision = response.getHeader().getRevision() + 1;
                    continuity++;
                    kinds.add(ChangeKind.OTHER);
                }
            }
            if (response.getEvents().isEmpty() && !response.isCreatedNotify()) {
                nextRevision = Math.max(nextRevision, response.getHeader().getRevision() + 1);
            }
            for (WatchEvent e : response.getEvents()) {
                long revision = e.getKeyValue().getModRevision();
                nextRevision = Math.max(nextRevision, revision + 1);
                String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                lastChange.merge(key, revision, Math::max);
                lastAnyChange = Math.max(lastAnyChange, revision);
                kinds.add(kindOf(key));
            }
        }
        notifyListeners(kinds);
    }

    private void onError(long mySession, Throwable t) {
        synchronized (lock) {
            if (mySession != session) {
                return;
            }
            established = false;
            continuity++;
            if (Failures.unwrap(t) instanceof CompactedException) {
                // events between our revision and the compaction are gone; listeners must re-read
                nextRevision = 0;
            }
        }
        LOG.debug("etcd watch on {} broke: {}", prefix, Failures.describe(t));
        if (Failures.classify(t) == Failures.Kind.CONNECTION) {
            EtcdConnection.Generation g = connection.current();
            try {
                restarter.execute(() -> connection.rebuildIfDue(g));
            } catch (RejectedExecutionException e) {
                // closed meanwhile
            }
        }
        notifyListeners(EnumSet.of(ChangeKind.OTHER));
    }

    private void onCompleted(long mySession) {
        synchronized (lock) {
            if (mySession != session || closed) {
                return;
            }
            established = false;
            continuity++;
        }
        // jetcd gave up on this stream (compaction, a refused watch, a closed client): start another one
        scheduleRestart("the watch stream ended");
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
        Watch.Watcher old;
        synchronized (lock) {
            closed = true;
            running = false;
            continuity++;
            session++;
            listeners.clear();
            old = watcher;
            watcher = null;
        }
        closeQuietly(old);
        restarter.shutdownNow();
    }

    private final class Listener implements Watch.Listener {
        private final long mySession;

        Listener(long mySession) {
            this.mySession = mySession;
        }

        @Override
        public void onNext(WatchResponse response) {
            onResponse(mySession, response);
        }

        @Override
        public void onError(Throwable throwable) {
            ClusterWatch.this.onError(mySession, throwable);
        }

        @Override
        public void onCompleted() {
            ClusterWatch.this.onCompleted(mySession);
        }
    }
}
