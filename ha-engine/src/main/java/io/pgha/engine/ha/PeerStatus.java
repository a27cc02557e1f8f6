package io.pgha.engine.ha;

import java.util.Objects;

/**
 * What another member said about itself on {@code GET /patroni}, reduced to what the leader race needs.
 *
 * @param name the member
 * @param role {@code primary}, {@code replica}, {@code standby_leader}, ... ({@code master} read as primary)
 * @param state {@code running}, ...
 * @param walPosition primary: its location; replica: max(received, replayed)
 * @param timeline its timeline
 * @param noFailover whether its tags forbid it to become leader
 * @param failoverPriority its failover_priority tag (default 1)
 */
public record PeerStatus(String name, String role, String state, long walPosition, long timeline, boolean noFailover,
        int failoverPriority) {
    public PeerStatus {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(role, "role is null");
        Objects.requireNonNull(state, "state is null");
    }

    /** A running primary: a member that still accepts writes. */
    public boolean isRunningPrimary() {
        return (role.equals("primary") || role.equals("master")) && state.equals("running");
    }
}
