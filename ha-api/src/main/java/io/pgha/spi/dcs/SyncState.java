package io.pgha.spi.dcs;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The synchronous-replication state ({@code sync} key): {@code {"leader":..,"sync_standby":"a,b","quorum":n}}.
 *
 * @param version the key's version, for compare-and-set
 * @param leader the primary this state belongs to, if any
 * @param syncStandbys the synchronous standbys (quorum voters), sorted; empty when none
 * @param quorum the quorum size in quorum-commit mode, if set
 * @since 1.0
 */
public record SyncState(long version, Optional<String> leader, List<String> syncStandbys, Optional<Integer> quorum) {
    public SyncState {
        Objects.requireNonNull(leader, "leader is null");
        syncStandbys = List.copyOf(syncStandbys);
        Objects.requireNonNull(quorum, "quorum is null");
    }

    /** Whether {@code member} is listed as a synchronous standby (case-insensitive, as Patroni compares). */
    public boolean isSyncStandby(String member) {
        return syncStandbys.stream().anyMatch(s -> s.equalsIgnoreCase(member));
    }
}
