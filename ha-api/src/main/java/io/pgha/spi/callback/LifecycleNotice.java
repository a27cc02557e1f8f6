package io.pgha.spi.callback;

import java.time.Instant;
import java.util.Objects;

/**
 * One event as delivered to listeners.
 *
 * @param event what happened
 * @param role the member's role after the event: {@code primary}, {@code replica}, {@code standby_leader} or
 *        {@code demoted}, as Patroni passes it to callback scripts
 * @param scope the cluster name
 * @param memberName this member's name
 * @param at when it happened
 * @since 1.0
 */
public record LifecycleNotice(LifecycleEvent event, String role, String scope, String memberName, Instant at) {
    public LifecycleNotice {
        Objects.requireNonNull(event, "event is null");
        Objects.requireNonNull(role, "role is null");
        Objects.requireNonNull(scope, "scope is null");
        Objects.requireNonNull(memberName, "memberName is null");
        Objects.requireNonNull(at, "at is null");
    }
}
