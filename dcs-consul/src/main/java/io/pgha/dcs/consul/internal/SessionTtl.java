package io.pgha.dcs.consul.internal;

import io.pgha.spi.dcs.DcsTimings;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Which session TTL a ttl asks for, and what that means for failover.
 *
 * <p>Consul's documentation promises not to invalidate a session before its TTL and allows up to twice the TTL; its
 * servers arm the invalidation timer at exactly twice the TTL from the last renewal (and re-arm it in full when a
 * new server leader takes over). Patroni therefore asks for ttl/2, so that a key bound to the session is gone about
 * ttl after its last renewal, and not before ttl/2. Consul also refuses TTLs below its agents' {@code session_ttl_min}
 * (10 s unless configured): when the agent refuses ttl/2, the TTL is raised to the minimum the agent reports, as
 * Patroni does, and a dead leader's lock then lives up to twice that, longer than ttl.
 *
 * <p>Thread-safe.
 */
final class SessionTtl {
    /** Consul's default {@code session_ttl_min}, assumed when an agent does not report its own. */
    static final Duration CONSUL_DEFAULT_MIN = Duration.ofSeconds(10);

    private volatile Duration agentMin = Duration.ZERO;

    /** The session TTL for {@code ttl}: ttl/2, at least the agent's minimum once it is known. */
    Duration sessionTtl(Duration ttl) {
        Duration half = Duration.ofMillis(Math.max(1, ttl.toMillis() / 2));
        return half.compareTo(agentMin) >= 0 ? half : agentMin;
    }

    /** Remembers the agent's minimum (after it refused a shorter TTL, or as {@code agent/self} reports it). */
    void agentMinimum(Duration min) {
        agentMin = min;
    }

    Duration agentMinimum() {
        return agentMin;
    }

    /** When Consul drops an unrenewed session's keys: twice the session TTL. */
    Duration lockLifetime(Duration ttl) {
        return sessionTtl(ttl).multipliedBy(2);
    }

    /** The lock's real lifetime when the TTL floor makes it longer than {@code ttl}; empty when ttl holds. */
    Optional<Duration> lifetimeIfLonger(Duration ttl) {
        Duration life = lockLifetime(ttl);
        return life.compareTo(ttl) > 0 ? Optional.of(life) : Optional.empty();
    }

    /** One log line: the session TTL and the failover window it implies. */
    String describe(DcsTimings t) {
        Duration session = sessionTtl(t.ttl());
        Duration life = lockLifetime(t.ttl());
        String floor = agentMin.compareTo(Duration.ofMillis(Math.max(1, t.ttl().toMillis() / 2))) > 0
                ? " (raised from ttl/2 to the agent's session_ttl_min)" : " (ttl/2, as Patroni asks)";
        return String.format(Locale.ROOT, "sessions with TTL %s for ttl %s%s; Consul's servers invalidate an unrenewed session "
                + "twice its TTL after the last renewal (the documentation allows 1x to 2x), so a dead leader's lock "
                + "is freed about %s after its last refresh (never before %s), and a replica takes over within "
                + "about %s (that + the leader race, at most retry_timeout %s)", seconds(session), seconds(t.ttl()), floor,
                seconds(life), seconds(session), seconds(life.plus(t.retryTimeout())), seconds(t.retryTimeout()));
    }

    /** Whether ttl/2 is below Consul's default minimum, so that an agent with default settings refuses it. */
    boolean belowDefaultMinimum(Duration ttl) {
        return agentMin.isZero() && sessionTtl(ttl).compareTo(CONSUL_DEFAULT_MIN) < 0;
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
