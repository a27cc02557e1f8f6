package io.pgha.dcs.consul.internal;

import io.pgha.spi.dcs.DcsTimings;
import java.time.Duration;
import java.util.Locale;

/**
 * Which session TTL a ttl asks for, and what that means for failover.
 *
 * <p>Consul promises not to invalidate a session before its TTL, and may wait up to twice the TTL. Patroni therefore
 * asks for ttl/2, so that a key bound to the session is gone at most ttl after its last renewal. Consul also refuses
 * TTLs below its agents' {@code session_ttl_min} (10 s unless configured): when the agent refuses ttl/2, the TTL is
 * raised to the minimum the agent reports, as Patroni does, and a dead leader's lock then lives up to twice that.
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

    /** Remembers the agent's minimum after it refused a shorter TTL. */
    void agentMinimum(Duration min) {
        agentMin = min;
    }

    Duration agentMinimum() {
        return agentMin;
    }

    /** One log line: the session TTL and the failover window it implies. */
    String describe(DcsTimings t) {
        Duration session = sessionTtl(t.ttl());
        return String.format(Locale.ROOT, "sessions with TTL %s for ttl %s (Consul invalidates an unrenewed session "
                + "between 1x and 2x its TTL): a dead leader's lock is freed %s to %s after its last refresh, and a "
                + "replica takes over within about %s (that + loop_wait %s)", seconds(session), seconds(t.ttl()),
                seconds(session), seconds(session.multipliedBy(2)), seconds(session.multipliedBy(2).plus(t.loopWait())),
                seconds(t.loopWait()));
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
