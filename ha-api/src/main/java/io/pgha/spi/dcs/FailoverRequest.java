package io.pgha.spi.dcs;

import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A manual failover or switchover request ({@code failover} key): {@code {"leader":..,"member":..,"scheduled_at":..}}.
 * A switchover names the current leader; a failover may name only the candidate.
 *
 * @param version the key's version when read from the store ({@code 0} for a request about to be written)
 * @param leader the member that must give up the lock, if named
 * @param candidate the member that should take it ({@code member} in the JSON), if named
 * @param scheduledAt when to act, if scheduled
 * @since 1.0
 */
public record FailoverRequest(long version, Optional<String> leader, Optional<String> candidate,
        Optional<OffsetDateTime> scheduledAt) {
    public FailoverRequest {
        Objects.requireNonNull(leader, "leader is null");
        Objects.requireNonNull(candidate, "candidate is null");
        Objects.requireNonNull(scheduledAt, "scheduledAt is null");
    }

    /** An immediate request, for writing. */
    public static FailoverRequest of(String leader, String candidate) {
        return new FailoverRequest(0, Optional.ofNullable(leader), Optional.ofNullable(candidate), Optional.empty());
    }
}
