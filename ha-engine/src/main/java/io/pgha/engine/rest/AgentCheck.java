package io.pgha.engine.rest;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The answer to HAProxy's {@code agent-check}: one line of HAProxy's agent words, derived from the same snapshot and
 * health rules as the REST health checks. HAProxy may send the role its backend wants ({@code agent-send
 * "primary\n"} or {@code "replica\n"}); without it, the primary is assumed.
 *
 * <ul>
 *   <li>{@code up ready 100%}: the member is what the backend wants (the lock-holding primary, or a replica within
 *       {@code maximum_lag_on_failover}).
 *   <li>{@code maint}: PostgreSQL runs, but in the other role. HAProxy shows the server in maintenance instead of
 *       DOWN, so a monitoring tool does not raise an alert for a replica in the read-write backend.
 *   <li>{@code up drain}: serves existing sessions, takes no new ones: tagged {@code noloadbalance}, or a replica
 *       lagging more than {@code maximum_lag_on_failover}.
 *   <li>{@code down}: PostgreSQL is not running.
 * </ul>
 */
final class AgentCheck {
    static final String READY = "up ready 100%";
    static final String MAINT = "maint";
    static final String DRAIN = "up drain";
    static final String DOWN = "down";

    /** What the backend asking wants. */
    enum Wanted {
        PRIMARY, REPLICA;

        /** From HAProxy's {@code agent-send} text; null when it is not one of ours. */
        static Wanted parse(String request) {
            return switch (request.strip().toLowerCase(Locale.ROOT)) {
                case "", "primary", "master", "leader", "read-write" -> PRIMARY;
                case "replica", "read-only", "standby" -> REPLICA;
                default -> null;
            };
        }
    }

    private AgentCheck() {
    }

    static String answer(Snapshot s, String request) {
        Wanted wanted = Wanted.parse(request);
        if (wanted == null) {
            // HAProxy takes what follows '#' as the reason it shows; the state stays as the health check says
            return "#unknown agent-send request, expected primary or replica";
        }
        MemberStatus m = s.member();
        if (!"running".equals(m.state()) || m.postgres().isEmpty()) {
            return DOWN;
        }
        if (Health.noLoadBalance(m)) {
            return DRAIN;
        }
        return switch (wanted) {
            case PRIMARY -> Health.check(s, "/primary", Map.of()) == Health.OK ? READY : MAINT;
            case REPLICA -> {
                if (Health.check(s, "/replica", Map.of()) != Health.OK) {
                    yield MAINT;
                }
                String max = String.valueOf(m.settings().maximumLagOnFailover());
                yield Health.check(s, "/replica", Map.of("lag", List.of(max))) == Health.OK ? READY : DRAIN;
            }
        };
    }
}
