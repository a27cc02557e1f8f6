package io.pgha.spi.dcs;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the DCS holds about one cluster, read in one call by {@link DcsClient#read()}. Immutable.
 *
 * @param initialize the {@code initialize} key: empty if absent, {@code ""} while a bootstrap runs, else the
 *        system identifier
 * @param config the dynamic configuration, if the key exists and is a valid JSON object
 * @param leader the leader lock, if held
 * @param status the leader's last published status ({@link LeaderStatus#NONE} if absent)
 * @param members every decodable member record, sorted by name
 * @param failover a pending failover/switchover request, if any
 * @param sync the synchronous-replication state, if any
 * @param history the timeline history, if the key exists
 * @param failsafe the {@code failsafe} key (member name to API URL), if it exists
 * @param warnings one line per value that was present but could not be decoded (and was skipped)
 * @since 1.0
 */
public record ClusterState(Optional<String> initialize, Optional<ClusterConfig> config, Optional<Leader> leader,
        LeaderStatus status, List<Member> members, Optional<FailoverRequest> failover, Optional<SyncState> sync,
        Optional<History> history, Optional<Map<String, String>> failsafe, List<String> warnings) {

    /** A cluster that has nothing in the DCS. */
    public static final ClusterState EMPTY = new ClusterState(Optional.empty(), Optional.empty(), Optional.empty(),
            LeaderStatus.NONE, List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
            List.of());

    public ClusterState {
        Objects.requireNonNull(initialize, "initialize is null");
        Objects.requireNonNull(config, "config is null");
        Objects.requireNonNull(leader, "leader is null");
        Objects.requireNonNull(status, "status is null");
        members = members.stream().sorted(java.util.Comparator.comparing(Member::name)).toList();
        Objects.requireNonNull(failover, "failover is null");
        Objects.requireNonNull(sync, "sync is null");
        Objects.requireNonNull(history, "history is null");
        failsafe = failsafe.map(Map::copyOf);
        warnings = List.copyOf(warnings);
    }

    /** The member record of {@code name}, if published. */
    public Optional<Member> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** The record of the member holding the lock, if the lock is held and that member has published one. */
    public Optional<Member> leaderMember() {
        return leader.flatMap(l -> member(l.name()));
    }

    /** Whether nobody holds the leader lock. */
    public boolean isUnlocked() {
        return leader.isEmpty();
    }

    /** Whether {@code name} holds the leader lock. */
    public boolean isLeader(String name) {
        return leader.map(l -> l.name().equals(name)).orElse(false);
    }

    /** Patroni's cluster timeline: 0 without a history key, else one past the last switched-from timeline. */
    public long timeline() {
        return history.map(History::currentTimeline).orElse(0L);
    }
}
