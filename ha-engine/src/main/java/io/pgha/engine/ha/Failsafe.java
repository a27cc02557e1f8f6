package io.pgha.engine.ha;

import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.Member;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Failsafe mode, as Patroni's {@code failsafe_mode} has it: a primary that cannot reach the DCS keeps running only
 * while every member listed in the {@code failsafe} key confirms, over {@code POST /failsafe}, that it still sees it
 * as the leader. A member that confirmed does not race for the lock for a ttl, so the primary's fencing deadline can
 * be moved on from the moment it sent the confirmations, as a lock refresh would.
 */
public final class Failsafe {
    private final String me;
    private final PeerProbe peers;
    private final HaClock clock;

    /** The failsafe key as last read from the DCS; empty until it was seen. */
    private Optional<Map<String, String>> lastKnown = Optional.empty();
    /** The last leader that asked this member to confirm it, and when (monotonic); null if none. */
    private volatile Ping lastPing;

    private record Ping(String leader, long receivedNanos) {
    }

    /** What this member answers to {@code POST /failsafe}. */
    public enum Reply {
        ACCEPTED, DISABLED, RUNNING_AS_LEADER
    }

    Failsafe(String me, PeerProbe peers, HaClock clock) {
        this.me = me;
        this.peers = peers;
        this.clock = clock;
    }

    /** Remembers the key from a successful read, for the moment the DCS becomes unreachable. */
    void observed(ClusterState cluster) {
        lastKnown = cluster.failsafe();
    }

    /** This member, as the leader, wrote the key. */
    void published(Map<String, String> members) {
        lastKnown = Optional.of(Map.copyOf(members));
    }

    /** The key the leader keeps: every member with a REST API, itself included. */
    static Map<String, String> wanted(ClusterState cluster) {
        Map<String, String> out = new TreeMap<>();
        for (Member m : cluster.members()) {
            m.data().apiUrl().ifPresent(url -> out.put(m.name(), url));
        }
        return out;
    }

    /**
     * The leader lost the DCS: asks every other member of the last known key to confirm it.
     *
     * @return the members that did not confirm; empty when the primary may keep running
     */
    Optional<Set<String>> unconfirmed(Map<String, Object> about) {
        if (lastKnown.isEmpty() || !lastKnown.get().containsKey(me)) {
            return Optional.of(Set.of("(no failsafe member list naming this member was ever read)"));
        }
        Map<String, String> others = new LinkedHashMap<>(lastKnown.get());
        others.remove(me);
        Set<String> confirmed = others.isEmpty() ? Set.of() : peers.confirmFailsafe(others, about);
        Set<String> missing = new TreeSet<>(others.keySet());
        missing.removeAll(confirmed);
        return missing.isEmpty() ? Optional.empty() : Optional.of(missing);
    }

    /** A leader's {@code POST /failsafe} reached this member. */
    Reply ping(String leader, boolean enabled, boolean leading) {
        if (!enabled) {
            return Reply.DISABLED;
        }
        if (leading) {
            return Reply.RUNNING_AS_LEADER;
        }
        lastPing = new Ping(leader, clock.nanoTime());
        return Reply.ACCEPTED;
    }

    /** The leader that confirmed itself alive through failsafe less than {@code ttlNanos} ago, if any. */
    Optional<String> recentLeader(long ttlNanos) {
        Ping p = lastPing;
        if (p == null || p.leader().equals(me) || clock.nanoTime() - p.receivedNanos() >= ttlNanos) {
            return Optional.empty();
        }
        return Optional.of(p.leader());
    }

    /** The names of the last known key, for the leader race. */
    Optional<Map<String, String>> lastKnown() {
        return lastKnown;
    }
}
