package io.pgha.testkit.dcs;

import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A client of an {@link InMemoryDcs}, bound to one cluster and member. Thread-safe. */
final class InMemoryDcsClient implements DcsClient {
    private final InMemoryDcs store;
    private final String prefix;
    private final String name;
    private final String session;
    private final Set<Runnable> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile DcsTimings timings;
    private volatile boolean closed;

    InMemoryDcsClient(InMemoryDcs store, DcsContext context, String session) {
        this.store = store;
        this.prefix = PatroniLayout.clusterPrefix(context.namespace(), context.scope());
        this.name = Objects.requireNonNull(context.memberName(), "memberName is null");
        this.timings = Objects.requireNonNull(context.timings(), "timings is null");
        this.session = session;
    }

    /** The full key, after the store's simulated partitions and latency have had their say. */
    private String key(String relative) {
        if (closed) {
            throw new IllegalStateException("this DCS client is closed");
        }
        store.enter(name, timings.retryTimeout());
        return prefix + relative;
    }

    @Override
    public ClusterState read() {
        key("");
        return PatroniLayout.decode(store.snapshot(prefix));
    }

    @Override
    public boolean acquireLeader() {
        return store.write(key(PatroniLayout.LEADER), name, Precondition.absent(), session, timings.ttl());
    }

    @Override
    public boolean refreshLeader() {
        return store.refresh(key(PatroniLayout.LEADER), name, timings.ttl());
    }

    @Override
    public boolean releaseLeader() {
        return store.deleteIfValue(key(PatroniLayout.LEADER), name);
    }

    @Override
    public void takeLeader() {
        store.write(key(PatroniLayout.LEADER), name, Precondition.any(), session, timings.ttl());
    }

    @Override
    public void publishMember(MemberData member) {
        Objects.requireNonNull(member, "member is null");
        store.write(key(PatroniLayout.MEMBERS + name), member.toJson(), Precondition.any(), session, timings.ttl());
    }

    @Override
    public void deleteMember() {
        store.deleteIf(key(PatroniLayout.MEMBERS + name), Precondition.any());
    }

    @Override
    public void writeStatus(LeaderStatus status) {
        store.write(key(PatroniLayout.STATUS), PatroniLayout.encodeStatus(status), Precondition.any(), "", null);
    }

    @Override
    public void writeFailsafe(Map<String, String> members) {
        store.write(key(PatroniLayout.FAILSAFE), PatroniLayout.encodeFailsafe(members), Precondition.any(), "", null);
    }

    @Override
    public boolean writeConfig(Map<String, Object> config, Precondition precondition) {
        return store.write(key(PatroniLayout.CONFIG), PatroniLayout.encodeConfig(config), precondition, "", null);
    }

    @Override
    public boolean writeFailover(FailoverRequest request, Precondition precondition) {
        return store.write(key(PatroniLayout.FAILOVER), PatroniLayout.encodeFailover(request), precondition, "", null);
    }

    @Override
    public boolean clearFailover(Precondition precondition) {
        return store.deleteIf(key(PatroniLayout.FAILOVER), precondition);
    }

    @Override
    public boolean writeSync(SyncState sync, Precondition precondition) {
        return store.write(key(PatroniLayout.SYNC), PatroniLayout.encodeSync(sync), precondition, "", null);
    }

    @Override
    public boolean clearSync(Precondition precondition) {
        return store.deleteIf(key(PatroniLayout.SYNC), precondition);
    }

    @Override
    public boolean writeHistory(List<HistoryEntry> history, Precondition precondition) {
        return store.write(key(PatroniLayout.HISTORY), PatroniLayout.encodeHistory(history), precondition, "", null);
    }

    @Override
    public boolean writeInitialize(String value, Precondition precondition) {
        Objects.requireNonNull(value, "value is null");
        return store.write(key(PatroniLayout.INITIALIZE), value, precondition, "", null);
    }

    @Override
    public void cancelInitialization() {
        store.deleteIf(key(PatroniLayout.INITIALIZE), Precondition.any());
    }

    @Override
    public void deleteCluster() {
        store.deletePrefix(key(""));
    }

    @Override
    public Subscription watch(ClusterChangeListener listener) {
        Objects.requireNonNull(listener, "listener is null");
        if (closed) {
            throw new IllegalStateException("this DCS client is closed");
        }
        Runnable remove = store.addWatch(prefix, listener);
        subscriptions.add(remove);
        return () -> {
            if (subscriptions.remove(remove)) {
                remove.run();
            }
        };
    }

    @Override
    public void updateTimings(DcsTimings timings) {
        this.timings = Objects.requireNonNull(timings, "timings is null");
    }

    @Override
    public void close() {
        closed = true;
        for (Runnable r : subscriptions) {
            if (subscriptions.remove(r)) {
                r.run();
            }
        }
    }

    @Override
    public String toString() {
        return "InMemoryDcsClient[" + prefix + " member " + name + ", session " + session + "]";
    }
}
