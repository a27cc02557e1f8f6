package io.pgha.dcs.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.pgha.spi.dcs.ClusterChangeListener;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link DcsClient} on etcd's v3 API, with Patroni's etcd3 key layout.
 *
 * <h2>Keys and leases</h2>
 * Everything lives under {@code <namespace><scope>/}. {@code leader} holds the member name and {@code members/<name>}
 * the member's JSON, each bound to a lease with TTL = ttl; the other keys have no lease. A key's version is its
 * {@code mod_revision}; its session is its lease id in decimal, as Patroni reports it.
 *
 * <p>Patroni binds both keys to one lease per agent. Here each has its own ({@link LeaseSlot}), kept alive only by the
 * call that owns it: {@link #refreshLeader()} for the lock, {@link #publishMember} for the member key. With a shared
 * lease an agent that still publishes its member record would keep a lock it no longer refreshes; the SPI promises
 * the lock vanishes within ttl of the last refresh. Other Patroni nodes never look at a foreign key's lease, so the
 * difference is invisible to them.
 *
 * <h2>Calls per cycle</h2>
 * A key this client owns, bound to a lease it keeps alive, can change only by an explicit write or delete. While the
 * cluster watch runs unbroken, a key last seen (read, written or checked) with our value on our lease and not changed
 * in any event since is still ours: refreshing the lock is then only its lease's keepalive, and publishing an unchanged
 * member record only the member lease's keepalive ({@link OwnedKey}). Without a live watch, or after any event on the
 * key, the key is read or written again, as before. While nothing changes, {@link #readRecent()} answers from the last
 * read (the watch tells when something did). An idle leader thus makes two calls per cycle (two keepalives) instead
 * of five, a replica one instead of three; each keepalive is one message on a stream kept open
 * ({@link KeepAliveStream}), not a stream of its own.
 *
 * <h2>Writes</h2>
 * The lock race is a transaction {@code if create_revision(leader) == 0 then put(leader, lease) else get(leader)};
 * compare-and-set writes compare {@code mod_revision} (or {@code create_revision == 0} for "absent"), exactly as
 * Patroni does, so mixed pgha/Patroni clusters agree on who won.
 *
 * <p>Thread-safe.
 */
public final class EtcdDcsClient implements DcsClient {
    private final EtcdConnection connection;
    private final String prefix;
    private final String name;
    private final ByteSequence nameBytes;
    private final ByteSequence prefixBytes;
    private final ByteSequence leaderKey;
    private final ByteSequence memberKey;
    private final KeepAliveStream keepAlives = new KeepAliveStream();
    private final LeaseSlot leaderLease;
    private final LeaseSlot memberLease;
    private final ClusterWatch watch;
    private final OwnedKey leaderSeen;
    private final OwnedKey memberSeen;
    /** The last whole-cluster read, for {@link #readRecent()}; {@code null} after any write of ours. */
    private volatile LastRead lastRead;

    /** A read's result, the store revision it was taken at, the watch stretch it belongs to, and when. */
    private record LastRead(ClusterState state, long revision, long mark, long atNanos) {
    }

    EtcdDcsClient(EtcdConnection connection, String namespace, String scope, String memberName) {
        this.connection = connection;
        this.prefix = PatroniLayout.clusterPrefix(namespace, scope);
        this.name = Objects.requireNonNull(memberName, "memberName is null");
        this.nameBytes = bytes(name);
        this.prefixBytes = bytes(prefix);
        this.leaderKey = key(PatroniLayout.LEADER);
        this.memberKey = key(PatroniLayout.MEMBERS + name);
        this.leaderLease = new LeaseSlot(connection, keepAlives, "leader lock");
        this.memberLease = new LeaseSlot(connection, keepAlives, "member key");
        this.watch = new ClusterWatch(connection, prefix);
        this.leaderSeen = new OwnedKey(watch, prefix + PatroniLayout.LEADER);
        this.memberSeen = new OwnedKey(watch, prefix + PatroniLayout.MEMBERS + name);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private ByteSequence key(String relative) {
        return bytes(prefix + relative);
    }

    /** etcd leases are whole seconds; rounding up keeps "not before ttl". */
    private long ttlSeconds() {
        long ms = connection.timings().ttl().toMillis();
        return Math.max(1, (ms + 999) / 1000);
    }

    @Override
    public ClusterState read() {
        return fetch(watch.continuity()).state();
    }

    /** A read of the cluster and the store revision it reflects. */
    private record Fetched(ClusterState state, long revision) {
    }

    private Fetched fetch(long mark) {
        GetResponse r = connection.call("read " + prefix,
                c -> c.getKVClient().get(prefixBytes, GetOption.builder().isPrefix(true).build()));
        Map<String, RawValue> values = new LinkedHashMap<>();
        for (KeyValue kv : r.getKvs()) {
            String k = kv.getKey().toString(StandardCharsets.UTF_8);
            noteOwned(kv, mark);
            if (k.startsWith(prefix)) {
                values.put(k.substring(prefix.length()), new RawValue(kv.getValue().toString(StandardCharsets.UTF_8),
                        kv.getModRevision(), session(kv)));
            }
        }
        return new Fetched(PatroniLayout.decode(values), r.getHeader().getRevision());
    }

    /**
     * The last read again when the watch, unbroken since, has delivered no change under the prefix after it, no write
     * of ours came after it, and it is younger than a third of the ttl (a backstop for a watch that stalls without
     * breaking: a change is then seen that much later, never in a wrong order). Otherwise a fresh {@link #read()}.
     * An idle cluster thus costs a replica no read at all, and every change still wakes it through the watch.
     * Only reads made here are kept, by the one thread that calls this (the HA loop); reads by other threads
     * ({@link #read()}) are not, so that none of them can put back a state from before one of the loop's writes.
     */
    @Override
    public ClusterState readRecent() {
        LastRead last = lastRead;
        if (last != null && System.nanoTime() - last.atNanos() < connection.timings().ttl().toNanos() / 3
                && watch.prefixUnchangedSince(last.revision(), last.mark())) {
            return last.state();
        }
        long mark = watch.continuity();
        long at = System.nanoTime();
        lastRead = null;
        Fetched f = fetch(mark);
        // only the HA loop's own reads are kept: its writes come between them, never during one
        lastRead = new LastRead(f.state(), f.revision(), mark, at);
        return f.state();
    }

    /** A write of ours is not in the last read: the next {@link #readRecent()} reads afresh. */
    private void wrote() {
        lastRead = null;
    }

    /** Remembers our own keys as a read or a check found them. */
    private void noteOwned(KeyValue kv, long mark) {
        if (kv.getKey().equals(leaderKey)) {
            leaderSeen.seen(kv.getValue(), kv.getLease(), kv.getModRevision(), mark);
        } else if (kv.getKey().equals(memberKey)) {
            memberSeen.seen(kv.getValue(), kv.getLease(), kv.getModRevision(), mark);
        }
    }

    private static String session(KeyValue kv) {
        return kv.getLease() == 0 ? "" : Long.toString(kv.getLease());
    }

    @Override
    public boolean acquireLeader() {
        for (int round = 0; round < 2; round++) {
            long lease = leaderLease.fresh(ttlSeconds());
            AtomicInteger attempts = new AtomicInteger();
            long mark = watch.continuity();
            wrote();
            try {
                TxnResponse r = connection.call("race for the leader lock", c -> {
                    attempts.incrementAndGet();
                    return c.getKVClient().txn()
                            .If(new Cmp(leaderKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                            .Then(Op.put(leaderKey, nameBytes, PutOption.builder().withLeaseId(lease).build()))
                            .Else(Op.get(leaderKey, GetOption.DEFAULT))
                            .commit();
                });
                if (r.isSucceeded()) {
                    leaderSeen.seen(nameBytes, lease, r.getHeader().getRevision(), mark);
                    return true;
                }
                // After a retry, the key we find may be the one an earlier attempt of this call wrote.
                return attempts.get() > 1 && r.getGetResponses().stream().flatMap(g -> g.getKvs().stream())
                        .anyMatch(kv -> kv.getValue().equals(nameBytes) && kv.getLease() == lease);
            } catch (EtcdConnection.LeaseNotFoundException e) {
                leaderLease.forget(lease); // expired between the keepalive and the put
            }
        }
        throw new DcsUnavailableException("etcd kept losing the leader lock's lease while acquiring it");
    }

    @Override
    public boolean refreshLeader() {
        long ttl = ttlSeconds();
        boolean alive = leaderLease.keepAliveIfCurrent(ttl);
        long ours = leaderLease.id();
        if (alive && leaderSeen.stillHolds(nameBytes, ours)) {
            return true;
        }
        long mark = watch.continuity();
        GetResponse g = connection.call("read the leader lock", c -> c.getKVClient().get(leaderKey));
        if (g.getKvs().isEmpty()) {
            return false;
        }
        KeyValue kv = g.getKvs().get(0);
        noteOwned(kv, mark);
        if (!kv.getValue().equals(nameBytes)) {
            return false;
        }
        if (alive && kv.getLease() == ours) {
            return true;
        }
        // Our name under another lease (an earlier incarnation of this agent, or a new ttl): rebind it to ours.
        for (int round = 0; round < 2; round++) {
            long lease = leaderLease.fresh(ttl);
            long rebindMark = watch.continuity();
            wrote();
            try {
                TxnResponse r = connection.call("rebind the leader lock to our lease", c -> c.getKVClient().txn()
                        .If(new Cmp(leaderKey, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())))
                        .Then(Op.put(leaderKey, nameBytes, PutOption.builder().withLeaseId(lease).build()))
                        .commit());
                if (r.isSucceeded()) {
                    leaderSeen.seen(nameBytes, lease, r.getHeader().getRevision(), rebindMark);
                }
                return r.isSucceeded();
            } catch (EtcdConnection.LeaseNotFoundException e) {
                leaderLease.forget(lease);
            }
        }
        throw new DcsUnavailableException("etcd kept losing the leader lock's lease while refreshing it");
    }

    @Override
    public boolean releaseLeader() {
        wrote();
        TxnResponse r = connection.call("release the leader lock", c -> c.getKVClient().txn()
                .If(new Cmp(leaderKey, Cmp.Op.EQUAL, CmpTarget.value(nameBytes)))
                .Then(Op.delete(leaderKey, DeleteOption.DEFAULT))
                .commit());
        return r.isSucceeded();
    }

    @Override
    public void takeLeader() {
        putWithLease(leaderLease, leaderKey, nameBytes, "take the leader lock", leaderSeen);
    }

    @Override
    public void publishMember(MemberData member) {
        Objects.requireNonNull(member, "member is null");
        ByteSequence value = bytes(member.toJson());
        long ttl = ttlSeconds();
        if (memberSeen.stillHolds(value, memberLease.id()) && memberLease.keepAliveIfCurrent(ttl)) {
            return; // the record is unchanged and still ours: keeping its lease alive is all there is to do
        }
        putWithLease(memberLease, memberKey, value, "publish member " + name, memberSeen);
    }

    private void putWithLease(LeaseSlot slot, ByteSequence key, ByteSequence value, String what, OwnedKey seen) {
        for (int round = 0; round < 2; round++) {
            long lease = slot.fresh(ttlSeconds());
            long mark = watch.continuity();
            wrote();
            try {
                PutResponse r = connection.call(what,
                        c -> c.getKVClient().put(key, value, PutOption.builder().withLeaseId(lease).build()));
                seen.seen(value, lease, r.getHeader().getRevision(), mark);
                return;
            } catch (EtcdConnection.LeaseNotFoundException e) {
                slot.forget(lease);
            }
        }
        throw new DcsUnavailableException("etcd kept losing the lease while trying to " + what);
    }

    @Override
    public void deleteMember() {
        delete(memberKey, "delete member " + name);
    }

    @Override
    public void writeStatus(LeaderStatus status) {
        Objects.requireNonNull(status, "status is null");
        put(PatroniLayout.STATUS, PatroniLayout.encodeStatus(status));
    }

    @Override
    public void writeFailsafe(Map<String, String> members) {
        Objects.requireNonNull(members, "members is null");
        put(PatroniLayout.FAILSAFE, PatroniLayout.encodeFailsafe(members));
    }

    @Override
    public boolean writeConfig(Map<String, Object> config, Precondition precondition) {
        Objects.requireNonNull(config, "config is null");
        return compareAndPut(PatroniLayout.CONFIG, PatroniLayout.encodeConfig(config), precondition);
    }

    @Override
    public boolean writeFailover(FailoverRequest request, Precondition precondition) {
        Objects.requireNonNull(request, "request is null");
        return compareAndPut(PatroniLayout.FAILOVER, PatroniLayout.encodeFailover(request), precondition);
    }

    @Override
    public boolean clearFailover(Precondition precondition) {
        return compareAndDelete(PatroniLayout.FAILOVER, precondition);
    }

    @Override
    public boolean writeSync(SyncState sync, Precondition precondition) {
        Objects.requireNonNull(sync, "sync is null");
        return compareAndPut(PatroniLayout.SYNC, PatroniLayout.encodeSync(sync), precondition);
    }

    @Override
    public boolean clearSync(Precondition precondition) {
        return compareAndDelete(PatroniLayout.SYNC, precondition);
    }

    @Override
    public boolean writeHistory(List<HistoryEntry> history, Precondition precondition) {
        Objects.requireNonNull(history, "history is null");
        return compareAndPut(PatroniLayout.HISTORY, PatroniLayout.encodeHistory(history), precondition);
    }

    @Override
    public boolean writeInitialize(String value, Precondition precondition) {
        Objects.requireNonNull(value, "value is null");
        return compareAndPut(PatroniLayout.INITIALIZE, value, precondition);
    }

    @Override
    public void cancelInitialization() {
        delete(key(PatroniLayout.INITIALIZE), "delete the initialize key");
    }

    @Override
    public void deleteCluster() {
        wrote();
        connection.call("delete every key under " + prefix,
                c -> c.getKVClient().delete(prefixBytes, DeleteOption.builder().isPrefix(true).build()));
    }

    private void put(String relative, String value) {
        ByteSequence k = key(relative);
        ByteSequence v = bytes(value);
        wrote();
        connection.call("write " + prefix + relative, c -> c.getKVClient().put(k, v));
    }

    private void delete(ByteSequence k, String what) {
        wrote();
        connection.call(what, c -> c.getKVClient().delete(k));
    }

    /** The etcd comparison for a precondition; {@code null} for {@link Precondition#any()}. */
    private static Cmp condition(ByteSequence k, Precondition precondition) {
        Objects.requireNonNull(precondition, "precondition is null");
        if (precondition instanceof Precondition.Any) {
            return null;
        }
        if (precondition instanceof Precondition.Absent) {
            return new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0));
        }
        if (precondition instanceof Precondition.AtVersion v) {
            return new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(v.version()));
        }
        throw new IllegalArgumentException("unknown precondition " + precondition);
    }

    private boolean compareAndPut(String relative, String value, Precondition precondition) {
        ByteSequence k = key(relative);
        ByteSequence v = bytes(value);
        String what = "write " + prefix + relative;
        Cmp cmp = condition(k, precondition);
        wrote();
        if (cmp == null) {
            connection.call(what, c -> c.getKVClient().put(k, v));
            return true;
        }
        if (precondition instanceof Precondition.AtVersion at && at.version() <= 0) {
            return false; // no existing key has such a revision; etcd would read it as "absent"
        }
        return connection.call(what, c -> c.getKVClient().txn().If(cmp).Then(Op.put(k, v, PutOption.DEFAULT)).commit())
                .isSucceeded();
    }

    private boolean compareAndDelete(String relative, Precondition precondition) {
        ByteSequence k = key(relative);
        String what = "delete " + prefix + relative;
        Cmp cmp = condition(k, precondition);
        wrote();
        if (cmp == null) {
            delete(k, what);
            return true;
        }
        if (precondition instanceof Precondition.AtVersion at && at.version() <= 0) {
            return false;
        }
        return connection.call(what, c -> c.getKVClient().txn().If(cmp).Then(Op.delete(k, DeleteOption.DEFAULT)).commit())
                .isSucceeded();
    }

    @Override
    public Subscription watch(ClusterChangeListener listener) {
        Objects.requireNonNull(listener, "listener is null");
        if (connection.isClosed()) {
            throw new IllegalStateException("this etcd DCS client is closed");
        }
        return watch.add(listener);
    }

    /** Whether the watch stream is confirmed by the store (tests use it to avoid racing the watch's creation). */
    public boolean watchEstablished() {
        return watch.isEstablished();
    }

    @Override
    public void updateTimings(DcsTimings timings) {
        connection.updateTimings(Objects.requireNonNull(timings, "timings is null"));
    }

    @Override
    public void close() {
        try {
            watch.close();
            keepAlives.close();
        } finally {
            connection.close();
        }
    }

    /** Calls this client has started on the store, retries not counted. */
    long callsStarted() {
        return connection.callsStarted();
    }

    /** Lease keepalive streams this client has opened. */
    long keepAliveStreamsOpened() {
        return keepAlives.streamsOpened();
    }

    /** The etcd endpoints this client talks to, comma-separated. */
    public String endpoints() {
        return connection.endpoints();
    }

    @Override
    public String toString() {
        return "EtcdDcsClient[" + prefix + " member " + name + " at " + connection.endpoints() + "]";
    }
}
