package io.pgha.engine.ha;

import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsUnavailableException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader lock as this member holds it: takes and refreshes it, arms the fencing guard with every renewal, and
 * tells the HA loop how much time is left before the next refresh must be sent.
 *
 * <p>The budget rule: the guard fences at {@code sent + ttl - margin}. A refresh may take up to {@code retry_timeout},
 * so the next one must be sent by {@code renewBy = fenceAt - retry_timeout}. Every other call the loop makes while
 * holding the lock is started only if it {@linkplain #fits fits} before {@code renewBy}; so however slow the DCS or
 * PostgreSQL (each within its bound), a healthy primary is never fenced, provided {@code ttl >= 2 * retry_timeout +
 * margin}.
 *
 * <p>When the lease is too short for that guarantee, budgeting every call at retry_timeout would leave no room for a
 * cycle's work: a ZooKeeper server granting a session far below ttl, or a short ttl (10 s with retry_timeout 3 leaves
 * 4 s after a refresh, less than a read at retry_timeout plus a PostgreSQL observation). Calls are then budgeted at
 * twice what the last refresh took (at least 200 ms), which holds while the DCS answers as fast as it just did; a DCS
 * that slows down suddenly makes the leader skip a cycle's work, and the guard still fences in time.
 */
final class LeaderLease {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderLease.class);

    private final DcsClient dcs;
    private final LeaseGuard guard;
    private final HaClock clock;
    private final Duration fenceWorstCase;
    private HaPolicy policy;
    private long lastSent;
    private long lastLatency;

    private final Watchdog watchdog;
    /** Automatic mode found no usable watchdog for this leadership; it is tried again at the next one. */
    private boolean goingWithoutWatchdog;

    LeaderLease(DcsClient dcs, LeaseGuard guard, HaClock clock, Duration fenceWorstCase, HaPolicy policy,
            Watchdog watchdog) {
        this.dcs = dcs;
        this.guard = guard;
        this.clock = clock;
        this.fenceWorstCase = fenceWorstCase;
        this.policy = policy;
        this.watchdog = watchdog;
    }

    /**
     * Arms the kernel watchdog for this lock's ttl, before this member runs as a writable primary.
     *
     * @return why it could not be, when leadership requires it ({@code watchdog.mode: required}); empty otherwise
     */
    Optional<String> armWatchdog() {
        if (watchdog.armed() || goingWithoutWatchdog) {
            return Optional.empty();
        }
        Optional<String> failed = watchdog.arm(policy.timings().ttl());
        if (failed.isPresent() && !watchdog.required()) {
            // automatic mode: said once per leadership, not retried every cycle
            if (watchdog != Watchdog.NONE) {
                LOG.warn("running without a kernel watchdog: {}", failed.get());
            }
            goingWithoutWatchdog = true;
            return Optional.empty();
        }
        return failed;
    }

    void policy(HaPolicy next) {
        this.policy = next;
    }

    /** Refreshes the lock; false when it is no longer ours or the DCS did not answer. */
    boolean refresh() {
        try {
            return refreshOrFail();
        } catch (DcsUnavailableException e) {
            return false;
        }
    }

    /**
     * Refreshes the lock; false when it is no longer ours.
     *
     * @throws DcsUnavailableException when the DCS did not answer
     */
    boolean refreshOrFail() {
        long sent = clock.nanoTime();
        boolean kept = dcs.refreshLeader();
        lastLatency = clock.nanoTime() - sent;
        if (kept) {
            renewed(sent);
        }
        return kept;
    }

    /** Races for the free lock; the DCS's atomic create decides. */
    boolean acquire() {
        long sent = clock.nanoTime();
        if (!dcs.acquireLeader()) {
            return false;
        }
        renewed(sent);
        return true;
    }

    /** Takes the lock unconditionally (the bootstrapping member). */
    void take() {
        long sent = clock.nanoTime();
        dcs.takeLeader();
        renewed(sent);
    }

    /**
     * Every member confirmed through failsafe, at requests sent at {@code sent}, that it will not race for a ttl: the
     * fencing deadline moves on as after a refresh sent then.
     */
    void confirmedByFailsafe(long sent) {
        renewed(sent);
    }

    /** PostgreSQL is confirmed not to run as a primary: the guard and the kernel watchdog stand down. */
    void released() {
        guard.released();
        watchdog.disarm();
        goingWithoutWatchdog = false;
    }

    boolean armed() {
        return guard.fenceAt() != 0;
    }

    /** The latest monotonic moment at which the next refresh can be sent and still complete in time; 0 if unarmed. */
    long renewBy() {
        long fenceAt = guard.fenceAt();
        return fenceAt == 0 ? 0 : fenceAt - callCost().toNanos();
    }

    /**
     * What one DCS call is budgeted at: retry_timeout when the lease leaves room between renewals for the refresh, a
     * read and a PostgreSQL observation at their bounds, else twice the last refresh's latency (see the class doc).
     */
    Duration callCost() {
        Duration retry = policy.timings().retryTimeout();
        long fenceAt = guard.fenceAt();
        if (fenceAt == 0 || fenceAt - lastSent >= retry.toNanos() * 2 + Ha.OBSERVE_BOUND.toNanos()) {
            return retry;
        }
        Duration observed = Duration.ofNanos(Math.max(2 * lastLatency, Duration.ofMillis(200).toNanos()));
        return observed.compareTo(retry) < 0 ? observed : retry;
    }

    /** Whether work that may take {@code worstCase}, started now, ends before the next refresh must be sent. */
    boolean fits(Duration worstCase) {
        long by = renewBy();
        return by == 0 || clock.nanoTime() + worstCase.toNanos() <= by;
    }

    /**
     * Called about once a second during a long action (a switchover's CHECKPOINT and shutdown): refreshes the lock
     * when the next refresh is due, so that the guard does not fence PostgreSQL in the middle of a clean handover.
     */
    void keepAliveDuring(String action) {
        long by = renewBy();
        if (by == 0 || clock.nanoTime() + Duration.ofSeconds(1).toNanos() < by) {
            return;
        }
        if (refresh()) {
            LOG.info("updated leader lock during {}", action);
        } else {
            LOG.warn("lost leader lock during {}", action);
        }
    }

    /** The margin before the lock's expiry at which the guard fences. */
    Duration margin() {
        return policy.fenceMargin(fenceWorstCase);
    }

    /** Whether the timings leave room for a refresh chain at the slowest DCS the loop tolerates (see class doc). */
    static boolean toleratesSlowestDcs(HaPolicy policy, Duration fenceWorstCase) {
        Duration need = policy.timings().retryTimeout().multipliedBy(2).plus(policy.fenceMargin(fenceWorstCase));
        return need.compareTo(policy.timings().ttl()) <= 0;
    }

    private void renewed(long sent) {
        lastSent = sent;
        Duration ttl = policy.timings().ttl();
        Duration granted = dcs.grantedLeaseTtl().orElse(ttl);
        guard.renewed(sent, granted.compareTo(ttl) < 0 ? granted : ttl, margin());
        watchdog.keepalive();
    }
}
