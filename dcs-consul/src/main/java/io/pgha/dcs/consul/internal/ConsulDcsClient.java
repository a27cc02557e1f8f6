package io.pgha.dcs.consul.internal;

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
import io.pgha.dcs.consul.internal.ConsulHttp.KvEntry;
import io.pgha.dcs.consul.internal.ConsulHttp.ReadMode;
import io.pgha.dcs.consul.internal.ConsulHttp.Write;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DcsClient} on Consul's KV store and sessions, with Patroni's Consul key layout.
 *
 * <h2>Keys and sessions</h2>
 * Everything lives under {@code <namespace><scope>/} without the leading {@code /} ({@code service/batman/leader}).
 * {@code leader} holds the member name and {@code members/<name>} the member's JSON, each locked ({@code ?acquire=})
 * by a session with {@code Behavior: delete}, so that Consul deletes them when the session lapses. A key's version is
 * its {@code ModifyIndex}; its session is the lock's session id.
 *
 * <p>Patroni locks both keys with one session per agent. Here each has its own ({@link SessionSlot}), renewed only by
 * the call that owns it: {@link #refreshLeader()} for the lock, {@link #publishMember} for the member key. With one
 * session an agent that still publishes its member record would keep a lock it no longer refreshes, and the SPI
 * promises that the lock vanishes within ttl of the last refresh. Patroni nodes never look at a foreign key's
 * session, so the difference is invisible to them. Session TTLs follow {@link SessionTtl}.
 *
 * <h2>Writes</h2>
 * The lock race is {@code PUT leader?acquire=<session>} after a consistent read found no leader key (Consul would
 * let a session re-acquire a key it already holds, which is not a win). Refreshing renews the session after a
 * consistent read shows the key still ours; a key of ours held by another session (an earlier incarnation, or a new
 * ttl) is moved over as Patroni does: {@code DELETE ?cas=<ModifyIndex>}, then acquire. Compare-and-set writes use
 * {@code ?cas=<ModifyIndex>} ({@code cas=0} for "absent"), deletes {@code DELETE ?cas=}.
 *
 * <h2>Reads</h2>
 * {@link #read()} reads the prefix in the configured {@code consistency} (pgha's default: consistent); the reads
 * that decide a lock operation are always consistent. The watch is a loop of blocking queries ({@link ClusterWatch}).
 *
 * <p>Thread-safe.
 */
public final class ConsulDcsClient implements DcsClient {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulDcsClient.class);

    private final ConsulConnection connection;
    private final ConsulSettings settings;
    private final String prefix;
    private final String name;
    private final String leaderKey;
    private final String memberKey;
    private final SessionTtl sessionTtl = new SessionTtl();
    private final SessionSlot leaderSession;
    private final SessionSlot memberSession;
    private final ClusterWatch watch;
    private final Optional<ServiceRegistrar> registrar;

    ConsulDcsClient(ConsulConnection connection, ConsulSettings settings, String namespace, String scope,
            String memberName) {
        this.connection = connection;
        this.settings = settings;
        this.prefix = keyPrefix(namespace, scope);
        this.name = Objects.requireNonNull(memberName, "memberName is null");
        this.leaderKey = prefix + PatroniLayout.LEADER;
        this.memberKey = prefix + PatroniLayout.MEMBERS + name;
        this.leaderSession = new SessionSlot(connection, sessionTtl, scope + "-" + name, "leader lock", settings.checks());
        this.memberSession = new SessionSlot(connection, sessionTtl, scope + "-" + name + "-member", "member key",
                settings.checks());
        this.watch = new ClusterWatch(connection, prefix, mode(settings.consistency()));
        this.registrar = settings.registerService()
                ? Optional.of(new ServiceRegistrar(connection, settings, scope, name)) : Optional.empty();
        learnSessionTtlMin();
        logTimings("opened", connection.timings());
    }

    /**
     * Asks the agent for its session_ttl_min once, briefly, so that the timings logged at start-up and
     * {@link #grantedLeaseTtl()} already account for the floor. An agent that does not answer (down, or an ACL token
     * without agent:read) is no problem: the first refused session teaches the same.
     */
    private void learnSessionTtlMin() {
        Duration bound = Duration.ofMillis(Math.min(2000, connection.timings().retryTimeout().toMillis()));
        connection.once("read the agent's session_ttl_min", ConsulHttp::sessionTtlMin, bound)
                .flatMap(min -> min)
                .ifPresent(sessionTtl::agentMinimum);
    }

    /**
     * The leader lock's real lifetime when the agent's session_ttl_min makes it longer than ttl (twice the raised
     * session TTL); empty while sessions of ttl/2 keep it at ttl.
     */
    @Override
    public Optional<Duration> grantedLeaseTtl() {
        return sessionTtl.lifetimeIfLonger(connection.timings().ttl());
    }

    /** Patroni's Consul prefix: the cluster prefix without its leading {@code /}. */
    static String keyPrefix(String namespace, String scope) {
        String p = PatroniLayout.clusterPrefix(namespace, scope);
        return p.startsWith("/") ? p.substring(1) : p;
    }

    private static ReadMode mode(ConsulSettings.Consistency c) {
        return switch (c) {
            case DEFAULT -> ReadMode.DEFAULT;
            case CONSISTENT -> ReadMode.CONSISTENT;
            case STALE -> ReadMode.STALE;
        };
    }

    private void logTimings(String what, DcsTimings t) {
        LOG.info("Consul DCS client {} for {} at {} ({}): {}", what, prefix, connection.agent(), name,
                sessionTtl.describe(t));
        if (sessionTtl.belowDefaultMinimum(t.ttl())) {
            LOG.warn("ttl {} asks for session TTL {}, below Consul's default session_ttl_min of 10 s, and the agent "
                    + "did not say its own: unless the agents are configured with a lower session_ttl_min, Consul "
                    + "refuses it and the session TTL is raised to the agent's minimum, so that a dead leader's lock "
                    + "lives twice that", SessionTtl.seconds(t.ttl()), SessionTtl.seconds(sessionTtl.sessionTtl(t.ttl())));
        } else if (sessionTtl.lifetimeIfLonger(t.ttl()).isPresent()) {
            LOG.warn("the agent's session_ttl_min {} is above ttl/2: a dead leader's lock lives {}, not ttl {}; "
                    + "raise ttl to at least {} or lower session_ttl_min on the Consul agents",
                    SessionTtl.seconds(sessionTtl.agentMinimum()), SessionTtl.seconds(sessionTtl.lockLifetime(t.ttl())),
                    SessionTtl.seconds(t.ttl()), SessionTtl.seconds(sessionTtl.agentMinimum().multipliedBy(2)));
        }
    }

    @Override
    public ClusterState read() {
        ConsulHttp.KvRead r = connection.call("read " + prefix, h -> h.read(prefix, true, mode(settings.consistency())));
        Map<String, RawValue> values = new LinkedHashMap<>();
        for (KvEntry e : r.entries()) {
            if (e.key().startsWith(prefix)) {
                values.put(e.key().substring(prefix.length()),
                        new RawValue(e.value(), e.modifyIndex(), e.session().orElse("")));
            }
        }
        return PatroniLayout.decode(values);
    }

    private Optional<KvEntry> readKey(String key, String what) {
        return connection.call(what, h -> h.read(key, false, ReadMode.CONSISTENT)).first();
    }

    /** A put with {@code ?acquire=}; a session that lapsed meanwhile is replaced once. */
    private boolean acquire(SessionSlot slot, String key, String value, String what) {
        for (int round = 0; ; round++) {
            String sid = slot.fresh();
            try {
                return connection.callOrRefuse(what, h -> h.put(key, value, new Write.Acquire(sid)));
            } catch (ConsulHttp.Refused e) {
                if (!e.invalidSession() || round > 0) {
                    throw new DcsUnavailableException("Consul refused to " + what + ": " + e.getMessage(), e);
                }
                slot.forget(sid);
            }
        }
    }

    @Override
    public boolean acquireLeader() {
        if (readKey(leaderKey, "read the leader lock").isPresent()) {
            return false;
        }
        return acquire(leaderSession, leaderKey, name, "race for the leader lock");
    }

    @Override
    public boolean refreshLeader() {
        Optional<KvEntry> lock = readKey(leaderKey, "read the leader lock");
        if (lock.isEmpty() || !lock.get().value().trim().equals(name)) {
            return false;
        }
        Optional<String> ours = leaderSession.id();
        if (ours.isPresent() && lock.get().session().equals(ours) && leaderSession.renewIfCurrent()) {
            return true;
        }
        if (ours.isPresent() && lock.get().session().equals(ours) && leaderSession.id().isEmpty()) {
            return false; // our session lapsed after the read: Consul is deleting the lock
        }
        // Our name under another session (an earlier incarnation of this agent, or a new ttl): move it to ours.
        return rebindLeader(lock.get());
    }

    private boolean rebindLeader(KvEntry lock) {
        leaderSession.fresh();
        boolean deleted = connection.call("move the leader lock to a new session",
                h -> h.delete(leaderKey, OptionalLong.of(lock.modifyIndex())));
        if (!deleted) {
            return false;
        }
        boolean acquired = acquire(leaderSession, leaderKey, name, "take the leader lock with the new session");
        if (acquired) {
            leaderSession.destroyRetired();
        }
        return acquired;
    }

    @Override
    public boolean releaseLeader() {
        Optional<KvEntry> lock = readKey(leaderKey, "read the leader lock");
        if (lock.isEmpty() || !lock.get().value().trim().equals(name)) {
            return false;
        }
        return connection.call("release the leader lock",
                h -> h.delete(leaderKey, OptionalLong.of(lock.get().modifyIndex())));
    }

    @Override
    public void takeLeader() {
        for (int round = 0; round < 5; round++) {
            Optional<KvEntry> lock = readKey(leaderKey, "read the leader lock");
            Optional<String> ours = leaderSession.id();
            if (lock.isPresent() && lock.get().session().isPresent() && !lock.get().session().equals(ours)) {
                // held by another session: Consul lets no other session acquire it, so delete it first
                connection.call("take the leader lock over",
                        h -> h.delete(leaderKey, OptionalLong.of(lock.get().modifyIndex())));
            }
            if (acquire(leaderSession, leaderKey, name, "take the leader lock")) {
                leaderSession.destroyRetired();
                return;
            }
        }
        throw new DcsUnavailableException("could not take the leader lock: other sessions kept acquiring it");
    }

    @Override
    public void publishMember(MemberData member) {
        Objects.requireNonNull(member, "member is null");
        String json = member.toJson();
        boolean written = acquire(memberSession, memberKey, json, "publish member " + name);
        if (!written) {
            // held by another session of ours (an earlier incarnation): move it to this one
            Optional<KvEntry> existing = readKey(memberKey, "read member " + name);
            existing.ifPresent(e -> connection.call("move member " + name + " to a new session",
                    h -> h.delete(memberKey, OptionalLong.of(e.modifyIndex()))));
            written = acquire(memberSession, memberKey, json, "publish member " + name);
            if (!written) {
                throw new DcsUnavailableException("could not publish member " + name
                        + ": its key stays locked by another session");
            }
        }
        memberSession.destroyRetired();
        registrar.ifPresent(r -> r.update(member));
    }

    @Override
    public void deleteMember() {
        connection.call("delete member " + name, h -> h.delete(memberKey, OptionalLong.empty()));
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
        String key = prefix + PatroniLayout.INITIALIZE;
        connection.call("delete the initialize key", h -> h.delete(key, OptionalLong.empty()));
    }

    @Override
    public void deleteCluster() {
        connection.call("delete every key under " + prefix, h -> {
            h.deleteTree(prefix);
            return null;
        });
    }

    private void put(String relative, String value) {
        String key = prefix + relative;
        connection.call("write " + key, h -> h.put(key, value, new Write.Plain()));
    }

    private boolean compareAndPut(String relative, String value, Precondition precondition) {
        Objects.requireNonNull(precondition, "precondition is null");
        String key = prefix + relative;
        Write write;
        if (precondition instanceof Precondition.Any) {
            write = new Write.Plain();
        } else if (precondition instanceof Precondition.Absent) {
            write = new Write.Cas(0);
        } else if (precondition instanceof Precondition.AtVersion v) {
            if (v.version() <= 0) {
                return false; // no existing key has such an index; cas=0 would mean "absent"
            }
            write = new Write.Cas(v.version());
        } else {
            throw new IllegalArgumentException("unknown precondition " + precondition);
        }
        return connection.call("write " + key, h -> h.put(key, value, write));
    }

    private boolean compareAndDelete(String relative, Precondition precondition) {
        Objects.requireNonNull(precondition, "precondition is null");
        String key = prefix + relative;
        if (precondition instanceof Precondition.Any) {
            connection.call("delete " + key, h -> h.delete(key, OptionalLong.empty()));
            return true;
        }
        if (precondition instanceof Precondition.Absent) {
            return readKey(key, "read " + key).isEmpty();
        }
        if (precondition instanceof Precondition.AtVersion v) {
            if (v.version() <= 0) {
                return false; // Consul never deletes with cas=0
            }
            return connection.call("delete " + key, h -> h.delete(key, OptionalLong.of(v.version())));
        }
        throw new IllegalArgumentException("unknown precondition " + precondition);
    }

    @Override
    public Subscription watch(ClusterChangeListener listener) {
        Objects.requireNonNull(listener, "listener is null");
        if (connection.isClosed()) {
            throw new IllegalStateException("this Consul DCS client is closed");
        }
        return watch.add(listener);
    }

    @Override
    public void updateTimings(DcsTimings timings) {
        Objects.requireNonNull(timings, "timings is null");
        DcsTimings before = connection.timings();
        connection.updateTimings(timings);
        if (!before.ttl().equals(timings.ttl()) || !before.loopWait().equals(timings.loopWait())) {
            logTimings("retimed", timings);
        }
    }

    /**
     * Closes the connection. The sessions are left to lapse, not destroyed: the SPI leaves TTL-bound keys to expire
     * on close, and a lock deleted at once would hand leadership over while this member's PostgreSQL may still run.
     */
    @Override
    public void close() {
        try {
            watch.close();
        } finally {
            connection.close();
        }
    }

    @Override
    public String toString() {
        return "ConsulDcsClient[" + prefix + " member " + name + " at " + connection.agent() + "]";
    }
}
