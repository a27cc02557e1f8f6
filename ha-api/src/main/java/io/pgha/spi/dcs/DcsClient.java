package io.pgha.spi.dcs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One agent's connection to the DCS, bound to one cluster ({@code <namespace>/<scope>}) and one member name.
 *
 * <h2>Guarantees every implementation gives</h2>
 * <ul>
 *   <li><b>Bounded.</b> Every operation returns or throws {@link DcsUnavailableException} within the current retry
 *       timeout ({@link DcsTimings#retryTimeout()}), plus a small scheduling margin. Nothing hangs.</li>
 *   <li><b>Atomic leader race.</b> {@link #acquireLeader()} is a create-if-absent: among any number of concurrent
 *       callers in any number of processes, at most one succeeds while the lock exists.</li>
 *   <li><b>TTL.</b> The leader lock and this member's key vanish no later than {@link DcsTimings#ttl()} (plus the
 *       store's own granularity) after the last successful {@link #refreshLeader()} / {@link #publishMember}, and
 *       not before — so a holder that refreshes every loop keeps the lock indefinitely.</li>
 *   <li><b>Ownership.</b> Only the holder can refresh or release the lock; a non-owner gets {@code false} and changes
 *       nothing.</li>
 *   <li><b>Compare-and-set.</b> Writes with a {@link Precondition} take effect only if the precondition holds at the
 *       moment of the write; a lost race returns {@code false} and changes nothing.</li>
 *   <li><b>Recovery.</b> After the store comes back the same client works again; callers never need to re-open.</li>
 *   <li><b>Layout.</b> Keys and values are stored where and how Patroni stores them for the same store.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Implementations are thread-safe: the HA loop and the REST API call concurrently.
 *
 * @since 1.0
 */
public interface DcsClient extends AutoCloseable {

    /**
     * Reads the whole cluster in one consistent call. Values that cannot be decoded (invalid JSON, wrong types) are
     * skipped and reported in {@link ClusterState#warnings()}; they never make the read fail.
     *
     * @throws DcsUnavailableException when the store cannot be read within the retry timeout
     */
    ClusterState read();

    /**
     * The cluster as the HA loop reads it once per cycle: consistent like {@link #read()}, and at most a little older
     * than a fresh read. A backend with a live watch on the cluster may answer from its last read when the watch,
     * unbroken since, has delivered no change after it; events arrive in the store's order, so such an answer is the
     * store's state as of its latest delivered change. It must read afresh after any write of its own, and at least
     * every few seconds whatever the watch says. Callers that must see another client's write that has just completed
     * (the REST API, tools) use {@link #read()}.
     *
     * @throws DcsUnavailableException when the store cannot be read within the retry timeout
     * @since 1.1 (a default method: a fresh {@link #read()})
     */
    default ClusterState readRecent() {
        return read();
    }

    /**
     * Races for the leader lock: creates the leader key holding this member's name, bound to the TTL, if and only
     * if no leader key exists.
     *
     * @return {@code true} if this call created it; {@code false} if a leader key exists (possibly this member's own)
     * @throws DcsUnavailableException when the outcome cannot be known within the retry timeout
     */
    boolean acquireLeader();

    /**
     * Extends the leader lock's TTL, only if this member still holds it.
     *
     * @return {@code true} if this member holds the lock and it now lives for another full TTL; {@code false} if the
     *         lock is gone or held by another member (nothing is changed then)
     * @throws DcsUnavailableException when the outcome cannot be known within the retry timeout
     */
    boolean refreshLeader();

    /**
     * Deletes the leader lock if this member holds it; immediately visible to other clients.
     *
     * @return {@code true} if this member held it and it is gone; {@code false} if it was not ours
     */
    boolean releaseLeader();

    /**
     * Writes the leader key with this member's name unconditionally, bound to the TTL. Used only right after this
     * member bootstrapped the cluster, while it holds the {@code initialize} key.
     */
    void takeLeader();

    /**
     * Publishes this member's record under {@code members/<name>}, bound to the TTL. Implementations may skip the
     * write when the record has not changed, but must still keep it alive.
     */
    void publishMember(MemberData member);

    /** Removes this member's record now, instead of letting it expire. */
    void deleteMember();

    /** Writes the leader's status ({@code status} key: optime, slot positions, retained slots). */
    void writeStatus(LeaderStatus status);

    /** Writes the {@code failsafe} key: member name to REST API URL, the leader included. */
    void writeFailsafe(Map<String, String> members);

    /**
     * Writes the dynamic configuration ({@code config} key) as JSON.
     *
     * @return whether the precondition held and the value was written
     */
    boolean writeConfig(Map<String, Object> config, Precondition precondition);

    /**
     * Writes a failover or switchover request ({@code failover} key).
     *
     * @return whether the precondition held and the value was written
     */
    boolean writeFailover(FailoverRequest request, Precondition precondition);

    /**
     * Deletes the failover request.
     *
     * @return whether the precondition held (a missing key with {@link Precondition#any()} counts as success)
     */
    boolean clearFailover(Precondition precondition);

    /**
     * Writes the synchronous-replication state ({@code sync} key).
     *
     * @return whether the precondition held and the value was written
     */
    boolean writeSync(SyncState sync, Precondition precondition);

    /**
     * Deletes the synchronous-replication state.
     *
     * @return whether the precondition held
     */
    boolean clearSync(Precondition precondition);

    /**
     * Writes the timeline history ({@code history} key).
     *
     * @return whether the precondition held and the value was written
     */
    boolean writeHistory(List<HistoryEntry> history, Precondition precondition);

    /**
     * Writes the {@code initialize} key. The bootstrap race writes {@code ""} with {@link Precondition#absent()};
     * the bootstrapper then writes the system identifier with {@link Precondition#any()}.
     *
     * @return whether the precondition held and the value was written
     */
    boolean writeInitialize(String value, Precondition precondition);

    /** Deletes the {@code initialize} key, as after a failed bootstrap. */
    void cancelInitialization();

    /** Deletes every key of this cluster. */
    void deleteCluster();

    /**
     * Registers a listener for changes under this cluster's prefix. It stays registered until the returned handle is
     * closed or the client is closed. Leader-key changes must reach it within one second of happening in the store
     * (for expiry: of the store noticing it).
     */
    Subscription watch(ClusterChangeListener listener);

    /** Applies new timings (after a dynamic configuration change); a new TTL applies from the next refresh. */
    void updateTimings(DcsTimings timings);

    /**
     * How long the store really keeps the leader key after a refresh, when the server imposed something other than
     * the configured ttl (a ZooKeeper server negotiates the session timeout within its own bounds). Empty means the
     * configured ttl holds. The engine fences its primary by the shorter of the two. Thread-safe; never blocks.
     *
     * @since 1.0 (a default method: backends that keep the ttl they are given need not implement it)
     */
    default Optional<Duration> grantedLeaseTtl() {
        return Optional.empty();
    }

    /**
     * Closes the connection. Keys bound to the TTL are left to expire unless the store ties them to the connection
     * (ZooKeeper's ephemeral nodes vanish at once). Never throws.
     */
    @Override
    void close();

    /** A registered watch; closing it unregisters the listener. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
