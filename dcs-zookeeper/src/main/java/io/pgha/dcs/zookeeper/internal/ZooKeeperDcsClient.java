package io.pgha.dcs.zookeeper.internal;

import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.dcs.PatroniLayout.RawValue;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DcsClient} on ZooKeeper, in Patroni's layout for that store.
 *
 * <h2>Keys</h2>
 * {@code <namespace><scope>/leader} and {@code members/<name>} are ephemeral znodes of this client's session;
 * {@code config}, {@code initialize}, {@code failover}, {@code sync}, {@code history}, {@code status} and
 * {@code failsafe} are persistent. Versions (for {@link Precondition#version}) are znode versions; the session
 * reported for the leader and members is the znode's ephemeral owner (decimal session id).
 *
 * <h2>Ownership</h2>
 * As in Patroni, the lock belongs to the member whose name it holds. A refresh that finds our name on a node of
 * another session (ours before Curator re-opened the session, or this member's previous client) binds it to our
 * session with one atomic delete-and-create; a release deletes it whatever session it is bound to.
 *
 * <h2>TTL</h2>
 * ZooKeeper has no per-key TTL: the session timeout is the ttl (as in Patroni; a ttl change opens a new session),
 * and the ephemeral leader and member nodes vanish when the session expires — ttl after the agent stops
 * heart-beating (process frozen, killed or cut off). ZooKeeper's client heart-beats on its own thread, though, so
 * an agent whose HA loop hangs would keep its session, and with it the lock, for ever (Patroni on ZooKeeper relies
 * on its watchdog for that case). To give the SPI's guarantee — keys vanish ttl after the last
 * {@link #refreshLeader()} / {@link #publishMember} — a lease guard deletes our leader and member nodes itself
 * once ttl has passed without a refresh. Both mechanisms bound the lock's life; whichever fires first wins.
 *
 * <h2>Bounded calls</h2>
 * Every call runs against a deadline of {@code retry_timeout}: it waits for a connection, issues asynchronous
 * ZooKeeper requests and retries after connection loss, and throws {@link DcsUnavailableException} when the
 * deadline passes. Curator owns the connection: it reconnects and, after an expiry, opens a new session.
 */
public final class ZooKeeperDcsClient implements DcsClient {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperDcsClient.class);

    /** Keys read by {@link #read()} besides the members. */
    private static final List<String> SINGLE_KEYS = List.of(PatroniLayout.LEADER, PatroniLayout.CONFIG,
            PatroniLayout.INITIALIZE, PatroniLayout.FAILOVER, PatroniLayout.SYNC, PatroniLayout.HISTORY,
            PatroniLayout.STATUS, PatroniLayout.FAILSAFE, PatroniLayout.LEGACY_LEADER_OPTIME);
    private static final long MAX_BACKOFF_MS = 1000;

    private final String memberName;
    private final byte[] memberNameBytes;
    /** The cluster's znode, without a trailing slash: {@code /service/batman}. */
    private final String root;
    private final List<ACL> acl;
    private final Function<Duration, ZkSession> sessionFactory;
    private final AutoCloseable embedded;
    private final Object sessionLock = new Object();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private final AtomicBoolean embeddedOpen = new AtomicBoolean(true);

    private final ScheduledExecutorService guardThread;
    private final Lease leaderLease;
    private final Lease memberLease;

    private volatile DcsTimings timings;
    /**
     * Counts everything after which the last read may no longer be the cluster's state: a change the watch reported,
     * a write of ours, a connection event, a watch started or stopped. {@link #readRecent()} reuses its last read
     * only while this has not moved.
     */
    private final AtomicLong changes = new AtomicLong();
    /** The last read of {@link #readRecent()}, with the change count before it and when it started. */
    private volatile LastRead lastRead;
    /** Our member record as last seen in the store (see {@link #publishMember}); guarded by {@code memberLease}. */
    private PublishedMember publishedMember;
    /** Calls started, retries not counted (see ZooKeeperIdleCycleIT). */
    private final AtomicLong callsStarted = new AtomicLong();
    private volatile ZkSession session;
    private volatile boolean renewSession;
    private volatile boolean closed;

    /**
     * @param sessionFactory opens a (not yet connected) session with the given session timeout
     * @param embedded the embedded server this client owns and stops on close, or {@code null}
     */
    public ZooKeeperDcsClient(String namespace, String scope, String memberName, DcsTimings timings, List<ACL> acl,
            Function<Duration, ZkSession> sessionFactory, AutoCloseable embedded) {
        this.memberName = Objects.requireNonNull(memberName, "memberName is null");
        this.memberNameBytes = memberName.getBytes(StandardCharsets.UTF_8);
        String prefix = PatroniLayout.clusterPrefix(namespace, scope);
        this.root = prefix.substring(0, prefix.length() - 1);
        this.timings = Objects.requireNonNull(timings, "timings is null");
        this.acl = List.copyOf(acl);
        this.sessionFactory = sessionFactory;
        this.embedded = embedded;
        this.guardThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgha-zookeeper-lease-guard");
            t.setDaemon(true);
            return t;
        });
        this.leaderLease = new Lease(PatroniLayout.LEADER, true);
        this.memberLease = new Lease(PatroniLayout.MEMBERS + memberName, false);
        this.session = sessionFactory.apply(timings.ttl());
        this.session.start(this::connectionStateChanged);
    }

    private String path(String key) {
        return root + "/" + key;
    }

    private String memberPath() {
        return path(PatroniLayout.MEMBERS + memberName);
    }

    // ---------------------------------------------------------------------------------------------- reads

    private record LastRead(ClusterState state, long changes, long atNanos) {
    }

    /**
     * The last read again while an initialised watch runs and nothing has happened since it was taken (see {@link
     * #changes}), for at most a third of the ttl (a backstop for a watch that stalls silently: a change is then seen
     * that much later, never out of order); otherwise a fresh {@link #read()}. ZooKeeper delivers a watch event to a
     * client before that client can read the change, so an idle cluster costs a replica no read at all.
     */
    @Override
    public ClusterState readRecent() {
        LastRead last = lastRead;
        if (last != null && last.changes() == changes.get() && watchReady()
                && System.nanoTime() - last.atNanos() < timings.ttl().toNanos() / 3) {
            return last.state();
        }
        long before = changes.get();
        long at = System.nanoTime();
        ClusterState state = read();
        lastRead = new LastRead(state, before, at);
        return state;
    }

    /** Calls this client has started on the store, retries not counted. */
    long callsStarted() {
        return callsStarted.get();
    }

    private boolean watchReady() {
        return watches.stream().anyMatch(Watch::ready);
    }

    private void changed() {
        changes.incrementAndGet();
    }

    @Override
    public ClusterState read() {
        return call("read the cluster", (z, retried) -> {
            List<String> members = z.children(path("members"));
            List<String> keys = new ArrayList<>(SINGLE_KEYS);
            members.stream().sorted().forEach(m -> keys.add(PatroniLayout.MEMBERS + m));
            List<Op> ops = new ArrayList<>(keys.size());
            for (String k : keys) {
                ops.add(Op.getData(path(k)));
            }
            // one read-only multi: every value from the same point in the store's history
            List<OpResult> results = z.multi(ops);
            Map<String, RawValue> raw = new LinkedHashMap<>();
            for (int i = 0; i < results.size(); i++) {
                OpResult r = results.get(i);
                if (r instanceof OpResult.GetDataResult g) {
                    byte[] data = g.getData() == null ? new byte[0] : g.getData();
                    raw.put(keys.get(i), new RawValue(new String(data, StandardCharsets.UTF_8), g.getStat().getVersion(),
                            owner(g.getStat())));
                } else if (r instanceof OpResult.ErrorResult e && e.getErr() != KeeperException.Code.NONODE.intValue()) {
                    throw KeeperException.create(KeeperException.Code.get(e.getErr()), path(keys.get(i)));
                }
            }
            return PatroniLayout.decode(raw);
        });
    }

    private static String owner(Stat stat) {
        return stat.getEphemeralOwner() == 0 ? "" : Long.toString(stat.getEphemeralOwner());
    }

    // ---------------------------------------------------------------------------------------------- leader

    @Override
    public boolean acquireLeader() {
        synchronized (leaderLease) {
            boolean acquired = acquireLeaderOnce();
            if (acquired) {
                leaderLease.renewed();
            }
            return acquired;
        }
    }

    private boolean acquireLeaderOnce() {
        AtomicBoolean sent = new AtomicBoolean();
        return call("acquire the leader lock", (z, retried) -> {
            try {
                sent.set(true);
                z.create(path(PatroniLayout.LEADER), memberNameBytes, CreateMode.EPHEMERAL);
                return true;
            } catch (KeeperException.NodeExistsException e) {
                // after a lost connection the node may be the one our previous attempt created
                return sent.get() && retried && isOurs(z, z.getData(path(PatroniLayout.LEADER)));
            }
        });
    }

    @Override
    public boolean refreshLeader() {
        synchronized (leaderLease) {
            if (leaderLease.lapsed()) {
                // ttl passed since the last refresh: the lock is gone by contract, even if the guard is late
                leaderLease.expire();
                return false;
            }
            boolean ours = call("refresh the leader lock", (z, retried) -> {
                while (true) {
                    ZkCalls.Node n = z.getData(path(PatroniLayout.LEADER));
                    if (n == null || !Arrays.equals(n.data(), memberNameBytes)) {
                        return false;
                    }
                    if (n.stat().getEphemeralOwner() == z.sessionId()) {
                        // the lock lives as long as our session: refreshing is checking that it is still ours
                        return true;
                    }
                    // our name, but bound to an earlier session (ours before Curator re-opened it, or this member's
                    // previous client): as Patroni does, bind it to our session, in one atomic step
                    List<OpResult> r = z.multi(List.of(Op.delete(path(PatroniLayout.LEADER), n.stat().getVersion()),
                            Op.create(path(PatroniLayout.LEADER), memberNameBytes, acl, CreateMode.EPHEMERAL)));
                    if (r.stream().noneMatch(x -> x instanceof OpResult.ErrorResult)) {
                        LOG.info("leader lock of {} moved to our session 0x{}", memberName, Long.toHexString(z.sessionId()));
                        return true;
                    }
                    // changed meanwhile: look again
                }
            });
            if (ours) {
                leaderLease.renewed();
            } else {
                leaderLease.stop();
            }
            return ours;
        }
    }

    @Override
    public boolean releaseLeader() {
        synchronized (leaderLease) {
            leaderLease.stop();
            return releaseLeaderOnce();
        }
    }

    private boolean releaseLeaderOnce() {
        AtomicBoolean sent = new AtomicBoolean();
        return call("release the leader lock", (z, retried) -> {
            while (true) {
                ZkCalls.Node n = z.getData(path(PatroniLayout.LEADER));
                if (n == null) {
                    return sent.get();
                }
                if (!Arrays.equals(n.data(), memberNameBytes)) {
                    // ownership is by member name, as in Patroni: a lock of this member from an earlier session
                    // (or client) is released too
                    return false;
                }
                try {
                    sent.set(true);
                    z.delete(path(PatroniLayout.LEADER), n.stat().getVersion());
                    return true;
                } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
                    // changed under us: look again
                }
            }
        });
    }

    @Override
    public void takeLeader() {
        synchronized (leaderLease) {
            takeLeaderOnce();
            leaderLease.renewed();
        }
    }

    private void takeLeaderOnce() {
        call("take the leader lock", (z, retried) -> {
            while (true) {
                try {
                    z.create(path(PatroniLayout.LEADER), memberNameBytes, CreateMode.EPHEMERAL);
                    return null;
                } catch (KeeperException.NodeExistsException e) {
                    ZkCalls.Node n = z.getData(path(PatroniLayout.LEADER));
                    if (n == null) {
                        continue;
                    }
                    try {
                        if (n.stat().getEphemeralOwner() == z.sessionId()) {
                            if (!Arrays.equals(n.data(), memberNameBytes)) {
                                z.setData(path(PatroniLayout.LEADER), memberNameBytes, n.stat().getVersion());
                            }
                            return null;
                        }
                        z.delete(path(PatroniLayout.LEADER), n.stat().getVersion());
                    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException again) {
                        // raced with another writer: look again
                    }
                }
            }
        });
    }

    private boolean isOurs(ZkCalls z, ZkCalls.Node n) {
        return n != null && n.stat().getEphemeralOwner() == z.sessionId() && Arrays.equals(n.data(), memberNameBytes);
    }

    // ---------------------------------------------------------------------------------------------- members

    @Override
    public void publishMember(MemberData member) {
        Objects.requireNonNull(member, "member is null");
        byte[] data = member.toJson().getBytes(StandardCharsets.UTF_8);
        synchronized (memberLease) {
            if (!memberVouchedFor(data)) {
                long mark = changes.get();
                publishMemberOnce(data);
                publishedMember = new PublishedMember(data, mark);
            }
            memberLease.renewed();
        }
    }

    /**
     * Whether our member node is known to hold {@code data} without asking the store: it was last seen (checked or
     * written) with that record, and nothing counted in {@link #changes} happened since, while an initialised watch
     * runs. A deletion or change of the node by anyone, a lost or replaced session and every write of ours move that
     * count. Unlike the leader lock, the member key vouches for no one's safety, and ZooKeeper keeps it alive with the
     * session, not with this call: the server still removes it within the session timeout (the ttl) of losing us.
     */
    private boolean memberVouchedFor(byte[] data) {
        PublishedMember p = publishedMember;
        return p != null && p.changes() == changes.get() && Arrays.equals(p.data(), data) && watchReady()
                && !renewSession && !memberLease.lapsed();
    }

    /** A member record as it was last seen in the store, and the change count before that was checked. */
    private record PublishedMember(byte[] data, long changes) {
    }

    private void publishMemberOnce(byte[] data) {
        call("publish member " + memberName, (z, retried) -> {
            while (true) {
                ZkCalls.Node n = z.getData(memberPath());
                try {
                    if (n == null) {
                        z.create(memberPath(), data, CreateMode.EPHEMERAL);
                        return null;
                    }
                    if (n.stat().getEphemeralOwner() != z.sessionId()) {
                        // left over from an earlier session of ours (or a stranger): it would vanish with that
                        // session, so replace it with one bound to ours
                        z.delete(memberPath(), n.stat().getVersion());
                        continue;
                    }
                    if (!Arrays.equals(n.data(), data)) {
                        z.setData(memberPath(), data, n.stat().getVersion());
                    }
                    return null;
                } catch (KeeperException.NoNodeException | KeeperException.NodeExistsException
                        | KeeperException.BadVersionException e) {
                    // raced with expiry or another writer: look again
                }
            }
        });
    }

    @Override
    public void deleteMember() {
        synchronized (memberLease) {
            memberLease.stop();
            publishedMember = null;
            call("delete member " + memberName, (z, retried) -> {
                z.delete(memberPath(), -1);
                return null;
            }, true);
        }
    }

    /**
     * Keeps the SPI's TTL for one of our ephemeral nodes: ttl after the last refresh, deletes it if it is still
     * ours. Callers hold the lease's monitor while they refresh, so a refresh and an expiry never interleave.
     */
    private final class Lease {
        private final String key;
        private final boolean checkValue;
        private boolean active;
        private long renewedAt;
        private ScheduledFuture<?> timer;

        Lease(String key, boolean checkValue) {
            this.key = key;
            this.checkValue = checkValue;
        }

        /**
         * Called with the monitor held, after a successful refresh. A pending timer due no later than the new expiry
         * is kept: when it fires it waits again for the time left. Rearming it on every refresh would leave one
         * cancelled task per refresh in the guard's queue, each waking the guard thread when its time comes.
         */
        void renewed() {
            active = true;
            renewedAt = System.nanoTime();
            long ttl = timings.ttl().toNanos();
            if (timer == null || timer.isDone() || timer.getDelay(TimeUnit.NANOSECONDS) > ttl) {
                schedule(ttl);
            }
        }

        /** Called with the monitor held: the node is no longer ours to keep. */
        void stop() {
            active = false;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        boolean lapsed() {
            return active && System.nanoTime() - renewedAt >= timings.ttl().toNanos();
        }

        private void schedule(long delayNanos) {
            if (timer != null) {
                timer.cancel(false);
            }
            if (!closed) {
                timer = guardThread.schedule(this::onTimer, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            }
        }

        private void onTimer() {
            synchronized (this) {
                if (!active || closed) {
                    return;
                }
                long left = renewedAt + timings.ttl().toNanos() - System.nanoTime();
                if (left > 0) {
                    schedule(left);
                    return;
                }
                try {
                    expire();
                } catch (DcsUnavailableException e) {
                    // out of reach: if that lasts, the server expires the session anyway; else the retry deletes it
                    LOG.warn("cannot delete the expired {} key yet: {}", key, e.getMessage());
                } catch (RuntimeException e) {
                    LOG.error("lease guard of the {} key failed", key, e);
                }
            }
        }

        /**
         * Called with the monitor held: deletes the node if it is still ours. When the store cannot be reached,
         * the lease stays lapsed and the guard tries again a second later.
         */
        void expire() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            Boolean deleted;
            try {
                deleted = call("expire the " + key + " key", (z, retried) -> {
                    ZkCalls.Node n = z.getData(path(key));
                    if (n == null || n.stat().getEphemeralOwner() != z.sessionId()
                            || (checkValue && !Arrays.equals(n.data(), memberNameBytes))) {
                        return false;
                    }
                    try {
                        z.delete(path(key), n.stat().getVersion());
                        return true;
                    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
                        return false;
                    }
                });
            } catch (DcsUnavailableException e) {
                schedule(TimeUnit.SECONDS.toNanos(1));
                throw e;
            }
            active = false;
            if (Boolean.TRUE.equals(deleted)) {
                LOG.warn("{} key of {} not refreshed for a ttl of {} ms: deleted it", key, memberName,
                        timings.ttl().toMillis());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- other keys

    @Override
    public void writeStatus(LeaderStatus status) {
        write(PatroniLayout.STATUS, PatroniLayout.encodeStatus(status), Precondition.any());
    }

    @Override
    public void writeFailsafe(Map<String, String> members) {
        write(PatroniLayout.FAILSAFE, PatroniLayout.encodeFailsafe(members), Precondition.any());
    }

    @Override
    public boolean writeConfig(Map<String, Object> config, Precondition precondition) {
        return write(PatroniLayout.CONFIG, PatroniLayout.encodeConfig(config), precondition);
    }

    @Override
    public boolean writeFailover(FailoverRequest request, Precondition precondition) {
        return write(PatroniLayout.FAILOVER, PatroniLayout.encodeFailover(request), precondition);
    }

    @Override
    public boolean clearFailover(Precondition precondition) {
        return clear(PatroniLayout.FAILOVER, precondition);
    }

    @Override
    public boolean writeSync(SyncState sync, Precondition precondition) {
        return write(PatroniLayout.SYNC, PatroniLayout.encodeSync(sync), precondition);
    }

    @Override
    public boolean clearSync(Precondition precondition) {
        return clear(PatroniLayout.SYNC, precondition);
    }

    @Override
    public boolean writeHistory(List<HistoryEntry> history, Precondition precondition) {
        return write(PatroniLayout.HISTORY, PatroniLayout.encodeHistory(history), precondition);
    }

    @Override
    public boolean writeInitialize(String value, Precondition precondition) {
        return write(PatroniLayout.INITIALIZE, value, precondition);
    }

    @Override
    public void cancelInitialization() {
        clear(PatroniLayout.INITIALIZE, Precondition.any());
    }

    private boolean write(String key, String value, Precondition precondition) {
        Objects.requireNonNull(precondition, "precondition is null");
        byte[] data = value.getBytes(StandardCharsets.UTF_8);
        String p = path(key);
        AtomicBoolean sent = new AtomicBoolean();
        return call("write " + key, (z, retried) -> {
            if (precondition instanceof Precondition.Any) {
                while (true) {
                    try {
                        z.setData(p, data, -1);
                        return true;
                    } catch (KeeperException.NoNodeException e) {
                        try {
                            z.create(p, data, CreateMode.PERSISTENT);
                            return true;
                        } catch (KeeperException.NodeExistsException raced) {
                            // created meanwhile: set it
                        }
                    }
                }
            }
            if (precondition instanceof Precondition.Absent) {
                try {
                    z.create(p, data, CreateMode.PERSISTENT);
                    return true;
                } catch (KeeperException.NodeExistsException e) {
                    // a lost connection leaves it unknown whether an earlier attempt created it: as Patroni,
                    // report the race as lost
                    return false;
                }
            }
            long version = ((Precondition.AtVersion) precondition).version();
            if (version < 0 || version > Integer.MAX_VALUE) {
                return false;
            }
            try {
                sent.set(true);
                z.setData(p, data, (int) version);
                return true;
            } catch (KeeperException.NoNodeException e) {
                return false;
            } catch (KeeperException.BadVersionException e) {
                if (sent.get() && retried) {
                    // our earlier attempt may have landed before the connection broke
                    ZkCalls.Node n = z.getData(p);
                    return n != null && n.stat().getVersion() == version + 1 && Arrays.equals(n.data(), data);
                }
                return false;
            }
        });
    }

    private boolean clear(String key, Precondition precondition) {
        Objects.requireNonNull(precondition, "precondition is null");
        String p = path(key);
        AtomicBoolean sent = new AtomicBoolean();
        return call("delete " + key, (z, retried) -> {
            if (precondition instanceof Precondition.Absent) {
                return z.getData(p) == null;
            }
            int version = -1;
            if (precondition instanceof Precondition.AtVersion v) {
                if (v.version() < 0 || v.version() > Integer.MAX_VALUE) {
                    return false;
                }
                version = (int) v.version();
            }
            try {
                sent.set(true);
                z.delete(p, version);
                return true;
            } catch (KeeperException.NoNodeException e) {
                return version == -1 || (sent.get() && retried);
            } catch (KeeperException.BadVersionException e) {
                return false;
            }
        });
    }

    @Override
    public void deleteCluster() {
        call("delete the cluster", (z, retried) -> {
            while (true) {
                List<String> all = new ArrayList<>();
                collect(z, root, all);
                if (all.isEmpty()) {
                    return null;
                }
                List<Op> ops = new ArrayList<>();
                for (int i = all.size() - 1; i >= 0; i--) {
                    ops.add(Op.delete(all.get(i), -1));
                }
                List<OpResult> results = z.multi(ops);
                if (results.stream().noneMatch(r -> r instanceof OpResult.ErrorResult)) {
                    return null;
                }
                // a node appeared or vanished meanwhile (a member re-publishing): list again
            }
        });
    }

    /** Adds {@code path} and its descendants, parents before children; nothing if it does not exist. */
    private static void collect(ZkCalls z, String path, List<String> out)
            throws KeeperException, InterruptedException, TimeoutException {
        if (z.getData(path) == null) {
            return;
        }
        out.add(path);
        for (String child : z.children(path)) {
            collect(z, path + "/" + child, out);
        }
    }

    // ---------------------------------------------------------------------------------------------- watch

    @Override
    public Subscription watch(ClusterChangeListener listener) {
        Objects.requireNonNull(listener, "listener is null");
        if (closed) {
            throw new IllegalStateException("client is closed");
        }
        Watch w = new Watch(listener);
        watches.add(w);
        w.attach(session.framework());
        return w;
    }

    private ChangeKind kindOf(String path) {
        if (!path.startsWith(root + "/")) {
            return ChangeKind.OTHER;
        }
        String key = path.substring(root.length() + 1);
        if (key.equals(PatroniLayout.LEADER)) {
            return ChangeKind.LEADER;
        }
        if (key.equals(PatroniLayout.CONFIG)) {
            return ChangeKind.CONFIG;
        }
        if (key.equals(PatroniLayout.FAILOVER)) {
            return ChangeKind.FAILOVER;
        }
        if (key.equals("members") || key.startsWith(PatroniLayout.MEMBERS)) {
            return ChangeKind.MEMBERS;
        }
        if (key.equals(PatroniLayout.STATUS) || key.equals("optime") || key.startsWith("optime/")) {
            return ChangeKind.STATUS;
        }
        return ChangeKind.OTHER;
    }

    private void connectionStateChanged(ZkSession source, ConnectionState state) {
        if (source != session || closed) {
            return;
        }
        switch (state) {
            case SUSPENDED -> LOG.warn("lost the connection to ZooKeeper; the session lives for another {} s at most",
                    timings.ttl().toSeconds());
            case LOST -> LOG.warn("ZooKeeper session of {} lost: its ephemeral keys (leader lock, member key) are gone",
                    memberName);
            case RECONNECTED, CONNECTED -> source.checkNegotiatedTimeout();
            default -> {
            }
        }
        // the HA loop must look at the cluster again: a lost session means a lost lock, a reconnect may hide changes
        changed();
        watches.forEach(w -> w.fire(ChangeKind.OTHER));
    }

    private final class Watch implements Subscription {
        private final ClusterChangeListener listener;
        private CuratorCache cache;
        private boolean open = true;
        private volatile boolean initialized;

        Watch(ClusterChangeListener listener) {
            this.listener = listener;
        }

        synchronized void attach(CuratorFramework framework) {
            if (!open) {
                return;
            }
            if (cache != null) {
                cache.close();
            }
            initialized = false;
            changed();
            CuratorCache c = CuratorCache.build(framework, root);
            c.listenable().addListener(CuratorCacheListener.builder()
                    .forAll((type, oldData, data) -> {
                        changed();
                        ChildData d = data != null ? data : oldData;
                        fire(d == null ? ChangeKind.OTHER : kindOf(d.getPath()));
                    })
                    // what happened between registering and the first full load is not reported singly
                    .forInitialized(() -> {
                        changed();
                        initialized = true;
                        fire(ChangeKind.OTHER);
                    })
                    .afterInitialized()
                    .build());
            c.start();
            cache = c;
        }

        void fire(ChangeKind kind) {
            if (!open) {
                return;
            }
            try {
                listener.clusterChanged(kind);
            } catch (RuntimeException e) {
                LOG.warn("cluster change listener failed", e);
            }
        }

        /** Whether this watch reports every change from now on (its cache has made its first full load). */
        boolean ready() {
            return open && initialized;
        }

        @Override
        public synchronized void close() {
            if (!open) {
                return;
            }
            open = false;
            initialized = false;
            changed();
            watches.remove(this);
            if (cache != null) {
                cache.close();
                cache = null;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- timings

    @Override
    public Optional<Duration> grantedLeaseTtl() {
        return session.grantedIfShorter();
    }

    @Override
    public void updateTimings(DcsTimings newTimings) {
        Objects.requireNonNull(newTimings, "timings is null");
        DcsTimings old = timings;
        timings = newTimings;
        if (!old.ttl().equals(newTimings.ttl())) {
            // a session's timeout is fixed when it is opened: the next call moves us to a new session
            renewSession = true;
        }
    }

    /**
     * Moves to a session with the new ttl, carrying the leader lock and the member key over atomically (a
     * multi-operation run in the new session deletes the old node and creates ours), so that the lock is never
     * free in between; then closes the old session.
     */
    private void renewSessionIfDue(long deadlineNanos) {
        if (!renewSession) {
            return;
        }
        synchronized (sessionLock) {
            if (!renewSession || closed) {
                return;
            }
            ZkSession old = session;
            Duration ttl = timings.ttl();
            ZkSession fresh = sessionFactory.apply(ttl);
            fresh.start(this::connectionStateChanged);
            try {
                long oldId = old.sessionId();
                if (!fresh.awaitConnected(deadlineNanos)) {
                    throw new TimeoutException("no connection");
                }
                ZkCalls z = fresh.calls(deadlineNanos, acl);
                for (String key : List.of(PatroniLayout.LEADER, PatroniLayout.MEMBERS + memberName)) {
                    ZkCalls.Node n = z.getData(path(key));
                    if (n != null && oldId != 0 && n.stat().getEphemeralOwner() == oldId) {
                        List<OpResult> r = z.multi(List.of(Op.delete(path(key), n.stat().getVersion()),
                                Op.create(path(key), n.data(), acl, CreateMode.EPHEMERAL)));
                        if (r.stream().anyMatch(x -> x instanceof OpResult.ErrorResult)) {
                            LOG.warn("could not carry {} over to the new ZooKeeper session", key);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fresh.closeBounded(Duration.ofSeconds(2));
                throw new DcsUnavailableException("interrupted while opening a new ZooKeeper session", e);
            } catch (Exception e) {
                fresh.closeBounded(Duration.ofSeconds(2));
                throw new DcsUnavailableException("cannot open a ZooKeeper session with the new ttl of "
                        + ttl.toSeconds() + " s: " + e, e);
            }
            session = fresh;
            renewSession = false;
            watches.forEach(w -> w.attach(fresh.framework()));
            LOG.info("moved to a new ZooKeeper session with a timeout of {} ms", ttl.toMillis());
            old.closeBounded(timings.retryTimeout());
        }
    }

    // ---------------------------------------------------------------------------------------------- calls

    /** One try of an operation; {@code retried} tells that an earlier try of the same call lost its connection. */
    @FunctionalInterface
    private interface Attempt<T> {
        T run(ZkCalls z, boolean retried) throws KeeperException, InterruptedException, TimeoutException;
    }

    private <T> T call(String what, Attempt<T> attempt) {
        return call(what, attempt, false);
    }

    /**
     * Runs {@code attempt} until it returns, retrying after connection trouble, within the retry timeout.
     *
     * @param missingIsDone whether {@link KeeperException.NoNodeException} escaping the attempt means success
     */
    private <T> T call(String what, Attempt<T> attempt, boolean missingIsDone) {
        callsStarted.incrementAndGet();
        long deadline = System.nanoTime() + timings.retryTimeout().toNanos();
        renewSessionIfDue(deadline);
        Exception last = null;
        int failures = 0;
        while (true) {
            if (closed) {
                throw new DcsUnavailableException("cannot " + what + ": the ZooKeeper client is closed");
            }
            ZkSession s = session;
            ZkCalls z;
            try {
                if (!s.awaitConnected(deadline)) {
                    throw unavailable(what, last, "no connection to ZooKeeper (" + s.connectString() + ")");
                }
                z = s.calls(deadline, acl).beforeEachWrite(this::changed);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DcsUnavailableException("interrupted while trying to " + what, e);
            } catch (DcsUnavailableException e) {
                throw e;
            } catch (Exception e) {
                // Curator hands out errors of its connection management here (e.g. a failed reconnect)
                z = null;
                last = e;
            }
            if (z != null) {
                try {
                    return attempt.run(z, failures > 0);
                } catch (KeeperException.NoNodeException e) {
                    if (missingIsDone) {
                        return null;
                    }
                    throw unavailable(what, e, "unexpected answer");
                } catch (KeeperException e) {
                    if (!isTransient(e.code())) {
                        // NoAuth (ACLs), AuthFailed, ...: retrying will not help
                        throw unavailable(what, e, "ZooKeeper refused");
                    }
                    last = e;
                } catch (TimeoutException e) {
                    throw unavailable(what, last, "no answer from ZooKeeper");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DcsUnavailableException("interrupted while trying to " + what, e);
                }
            }
            failures++;
            backoff(failures, deadline);
        }
    }

    private DcsUnavailableException unavailable(String what, Exception cause, String reason) {
        String detail = cause == null ? "" : ": " + cause.getMessage();
        return new DcsUnavailableException("cannot " + what + " within the retry timeout of "
                + timings.retryTimeout().toMillis() + " ms: " + reason + detail, cause);
    }

    private static boolean isTransient(KeeperException.Code code) {
        return switch (code) {
            case CONNECTIONLOSS, SESSIONEXPIRED, SESSIONMOVED, OPERATIONTIMEOUT, REQUESTTIMEOUT, THROTTLEDOP,
                    NOTREADONLY -> true;
            default -> false;
        };
    }

    /** Retry backoff (not synchronisation): 50 ms doubling to 1 s, never past the deadline. */
    private static void backoff(int failures, long deadlineNanos) {
        long ms = Math.min(MAX_BACKOFF_MS, 50L << Math.min(failures - 1, 5));
        long remaining = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (remaining <= 0) {
            return;
        }
        try {
            Thread.sleep(Math.min(ms, remaining));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsUnavailableException("interrupted while waiting to retry", e);
        }
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /**
     * Test support: makes the current session stop heart-beating without closing it, as when the agent freezes or
     * is cut off. The server expires it (and deletes the lock and member key) one session timeout later; this
     * client meanwhile opens a new session and goes on working.
     */
    public void abandonSession() {
        session.abandon();
    }

    /**
     * Test support: dies as a crashed agent would. The session is abandoned (not closed: the server expires it,
     * and our ephemeral nodes with it, one session timeout later), the lease guard stops, and no new session is
     * opened. Afterwards only {@link #close()} may be called.
     */
    public void crash() {
        closed = true;
        guardThread.shutdownNow();
        for (Watch w : watches) {
            w.close();
        }
        synchronized (sessionLock) {
            session.crash(Duration.ofSeconds(2));
        }
    }

    /** The id of the current session (0 while none is established). */
    public long sessionId() {
        return session.sessionId();
    }

    @Override
    public void close() {
        if (closed) {
            closeEmbedded();
            return;
        }
        closed = true;
        guardThread.shutdownNow();
        for (Watch w : watches) {
            w.close();
        }
        synchronized (sessionLock) {
            session.closeBounded(timings.retryTimeout());
        }
        closeEmbedded();
    }

    private void closeEmbedded() {
        if (embedded != null && embeddedOpen.compareAndSet(true, false)) {
            try {
                embedded.close();
            } catch (Exception e) {
                LOG.warn("stopping the embedded ZooKeeper failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperDcsClient[" + root + ", member " + memberName + ", " + session.connectString() + "]";
    }
}
