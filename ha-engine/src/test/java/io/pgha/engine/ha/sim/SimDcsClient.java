package io.pgha.engine.ha.sim;

import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One member's DCS client in the simulation: the in-memory reference store, reached through a network that the world
 * controls. Every call takes virtual time (the world's latency for this member, half before the store acts and half
 * after); a call during an outage or a partition fails after retry_timeout, without effect, as a real client's would.
 */
final class SimDcsClient implements DcsClient {
    private final SimWorld world;
    private final String member;
    private final DcsClient store;
    private DcsTimings timings;
    Optional<Duration> grantedTtl = Optional.empty();

    SimDcsClient(SimWorld world, String member, DcsClient store, DcsTimings timings) {
        this.world = world;
        this.member = member;
        this.store = store;
        this.timings = timings;
    }

    private <T> T call(Supplier<T> op) {
        if (!world.dcsReachable(member)) {
            world.clock().elapse(timings.retryTimeout());
            world.stats().dcsFailures++;
            throw new DcsUnavailableException("simulated: DCS not reachable from " + member);
        }
        Duration latency = world.dcsLatency(member);
        world.clock().elapse(latency.dividedBy(2));
        if (!world.dcsReachable(member)) {
            world.clock().elapse(timings.retryTimeout().minus(latency.dividedBy(2)));
            world.stats().dcsFailures++;
            throw new DcsUnavailableException("simulated: DCS connection lost from " + member);
        }
        world.sweepStore();
        T result = op.get();
        world.clock().elapse(latency.minus(latency.dividedBy(2)));
        world.stats().dcsCalls++;
        return result;
    }

    private void run(Runnable op) {
        call(() -> {
            op.run();
            return null;
        });
    }

    @Override
    public ClusterState read() {
        return call(store::read);
    }

    @Override
    public boolean acquireLeader() {
        if (world.leaderRaceBroken(member)) {
            world.clock().elapse(timings.retryTimeout());
            throw new DcsUnavailableException("simulated: the leader key cannot be created by " + member);
        }
        return call(store::acquireLeader);
    }

    @Override
    public boolean refreshLeader() {
        return call(store::refreshLeader);
    }

    @Override
    public boolean releaseLeader() {
        return call(store::releaseLeader);
    }

    @Override
    public void takeLeader() {
        run(store::takeLeader);
    }

    @Override
    public void publishMember(MemberData data) {
        run(() -> store.publishMember(data));
    }

    @Override
    public void deleteMember() {
        run(store::deleteMember);
    }

    @Override
    public void writeStatus(LeaderStatus status) {
        run(() -> {
            store.writeStatus(status);
            world.optimePublished(member, status.optime());
        });
    }

    @Override
    public void writeFailsafe(Map<String, String> members) {
        run(() -> store.writeFailsafe(members));
    }

    @Override
    public boolean writeConfig(Map<String, Object> config, Precondition precondition) {
        return call(() -> store.writeConfig(config, precondition));
    }

    @Override
    public boolean writeFailover(FailoverRequest request, Precondition precondition) {
        return call(() -> store.writeFailover(request, precondition));
    }

    @Override
    public boolean clearFailover(Precondition precondition) {
        return call(() -> store.clearFailover(precondition));
    }

    @Override
    public boolean writeSync(SyncState sync, Precondition precondition) {
        return call(() -> store.writeSync(sync, precondition));
    }

    @Override
    public boolean clearSync(Precondition precondition) {
        return call(() -> store.clearSync(precondition));
    }

    @Override
    public boolean writeHistory(List<HistoryEntry> history, Precondition precondition) {
        return call(() -> store.writeHistory(history, precondition));
    }

    @Override
    public boolean writeInitialize(String value, Precondition precondition) {
        return call(() -> store.writeInitialize(value, precondition));
    }

    @Override
    public void cancelInitialization() {
        run(store::cancelInitialization);
    }

    @Override
    public void deleteCluster() {
        run(store::deleteCluster);
    }

    @Override
    public Subscription watch(io.pgha.spi.dcs.ClusterChangeListener listener) {
        // the world wakes loops on leader changes itself, deterministically
        return () -> { };
    }

    @Override
    public void updateTimings(DcsTimings next) {
        this.timings = next;
        store.updateTimings(next);
    }

    @Override
    public Optional<Duration> grantedLeaseTtl() {
        return grantedTtl;
    }

    @Override
    public void close() {
        store.close();
    }
}
