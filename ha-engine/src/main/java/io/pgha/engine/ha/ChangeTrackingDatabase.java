package io.pgha.engine.ha;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The HA loop's {@link Database}, counting the calls that can change what {@link #observe()} reports: starting,
 * stopping, promoting, following, reloading, rewinding, creating or removing the data directory, and the synchronous
 * standby names. Slot maintenance is not counted: no observed field depends on it.
 *
 * <p>A cycle that made no such call publishes the observation it started with instead of querying PostgreSQL again;
 * one that did observes afresh, so that the member key shows what the cycle did. Changes PostgreSQL makes on its own
 * (a crash, WAL arriving) are seen at the next cycle's first observation, as before.
 */
final class ChangeTrackingDatabase implements Database {
    private final Database delegate;
    private long changes;

    ChangeTrackingDatabase(Database delegate) {
        this.delegate = delegate;
    }

    /** How many changing calls were made so far; compare two readings. */
    long changes() {
        return changes;
    }

    private void changing() {
        changes++;
    }

    @Override
    public PgObservation observe() {
        return delegate.observe();
    }

    @Override
    public DataDirectoryState inspectDataDirectory() {
        return delegate.inspectDataDirectory();
    }

    @Override
    public void bootstrap() {
        changing();
        delegate.bootstrap();
    }

    @Override
    public void createReplica(Optional<Upstream> source) {
        changing();
        delegate.createReplica(source);
    }

    @Override
    public boolean canCreateReplicaWithoutLeader() {
        return delegate.canCreateReplicaWithoutLeader();
    }

    @Override
    public void startAsPrimary() {
        changing();
        delegate.startAsPrimary();
    }

    @Override
    public void startAsReplica(Optional<Upstream> upstream) {
        changing();
        delegate.startAsReplica(upstream);
    }

    @Override
    public void follow(Optional<Upstream> upstream) {
        changing();
        delegate.follow(upstream);
    }

    @Override
    public void stop(StopMode mode, Duration timeout) {
        changing();
        delegate.stop(mode, timeout);
    }

    @Override
    public void stop(StopMode mode, Duration timeout, Runnable whileWaiting) {
        changing();
        delegate.stop(mode, timeout, whileWaiting);
    }

    @Override
    public void fence() {
        changing();
        delegate.fence();
    }

    @Override
    public Duration fenceWorstCase() {
        return delegate.fenceWorstCase();
    }

    @Override
    public void promote(Duration timeout) {
        changing();
        delegate.promote(timeout);
    }

    @Override
    public void beginRestart() {
        changing();
        delegate.beginRestart();
    }

    @Override
    public void reload() {
        changing();
        delegate.reload();
    }

    @Override
    public void checkpoint(Runnable whileWaiting) {
        changing();
        delegate.checkpoint(whileWaiting);
    }

    @Override
    public void syncReplicationSlots(Set<String> wanted, Set<String> droppable) {
        delegate.syncReplicationSlots(wanted, droppable);
    }

    @Override
    public Map<String, Long> physicalSlotPositions() {
        return delegate.physicalSlotPositions();
    }

    @Override
    public void advancePhysicalSlots(Map<String, Long> targets) {
        delegate.advancePhysicalSlots(targets);
    }

    @Override
    public void syncLogicalSlots(Map<String, SlotPolicy.Logical> wanted) {
        delegate.syncLogicalSlots(wanted);
    }

    @Override
    public Map<String, Long> logicalSlotPositions() {
        return delegate.logicalSlotPositions();
    }

    @Override
    public void copyLogicalSlots(Upstream leader, Set<String> names) {
        // installing a copied slot restarts PostgreSQL
        changing();
        delegate.copyLogicalSlots(leader, names);
    }

    @Override
    public void advanceLogicalSlots(Map<String, Long> targets) {
        delegate.advanceLogicalSlots(targets);
    }

    @Override
    public RejoinOutcome prepareToFollow(Upstream source) {
        changing();
        return delegate.prepareToFollow(source);
    }

    @Override
    public Divergence divergence(Upstream upstream, long timeline, long replayedLsn) {
        return delegate.divergence(upstream, timeline, replayedLsn);
    }

    @Override
    public Optional<Long> postmasterPid() {
        return delegate.postmasterPid();
    }

    @Override
    public void removeDataDirectory() {
        changing();
        delegate.removeDataDirectory();
    }

    @Override
    public boolean needsCrashRecovery() {
        return delegate.needsCrashRecovery();
    }

    @Override
    public List<StandbyLink> standbys() {
        return delegate.standbys();
    }

    @Override
    public void setSynchronousStandbyNames(Optional<String> value) {
        changing();
        delegate.setSynchronousStandbyNames(value);
    }
}
