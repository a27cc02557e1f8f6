package io.pgha.engine.ha;

import io.pgha.spi.dcs.DcsTimings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code ttl}, {@code loop_wait} and {@code retry_timeout} imply, in seconds an operator can plan with: the
 * worst-case failover time after the primary's host dies, the demotion deadline of a primary cut off from the DCS,
 * and the fencing margin (the rule of {@link LeaderLease} and {@link HaPolicy#fenceMargin}). Printed at start-up;
 * {@code pghactl show-config --explain} is meant to print the same from {@link #of(DcsTimings, String, Duration)}.
 *
 * @param timings the timings in force (after Patroni's adjustment)
 * @param dcs the DCS name as configured ({@code etcd3}, {@code zookeeper}, {@code consul}, {@code kubernetes}, ...)
 * @param fenceWorstCase the longest the fencing stop takes
 * @param lockExpiry after the primary's last refresh, how long until the DCS drops its lock, at worst
 * @param detection after the lock is gone, how long until a replica notices, at worst
 * @param race a replica's leader race at worst: asking its peers, then the atomic create (one retry_timeout)
 * @param promotion how long promoting usually takes ({@code pg_ctl promote} until writable)
 * @param margin how long before the lock can expire the guard starts fencing
 * @param demotionDeadline after an isolated primary's last successful refresh was sent, when it has stopped writing
 * @param warnings what is unsafe or pointlessly slow about the combination; empty when nothing is
 */
public record TimingReport(DcsTimings timings, String dcs, Duration fenceWorstCase, Duration lockExpiry,
        Duration detection, Duration race, Duration promotion, Duration margin, Duration demotionDeadline,
        List<String> warnings) {
    /** A slower failover than this (with the host dead) is called slow. */
    static final Duration SLOW_FAILOVER = Duration.ofSeconds(90);
    static final Duration TYPICAL_PROMOTION = Duration.ofSeconds(2);

    public TimingReport {
        Objects.requireNonNull(timings, "timings is null");
        Objects.requireNonNull(dcs, "dcs is null");
        warnings = List.copyOf(warnings);
    }

    /** The report for {@code policy}'s timings on {@code dcs}. */
    public static TimingReport of(HaPolicy policy, String dcs, Duration fenceWorstCase) {
        return of(policy.timings(), dcs, fenceWorstCase);
    }

    /**
     * The report for {@code policy}'s timings on {@code dcs}, whose client says how long the store really keeps the
     * lock ({@link io.pgha.spi.dcs.DcsClient#grantedLeaseTtl()}): a longer lifetime (Consul's session TTL floor)
     * makes failover slower, a shorter one is what the fencing already uses.
     */
    public static TimingReport of(HaPolicy policy, String dcs, Duration fenceWorstCase, Optional<Duration> granted) {
        return of(policy.timings(), dcs, fenceWorstCase, granted);
    }

    /** As {@link #of(HaPolicy, String, Duration, Optional)}, for bare timings. */
    public static TimingReport of(DcsTimings timings, String dcs, Duration fenceWorstCase, Optional<Duration> granted) {
        TimingReport r = of(timings, dcs, fenceWorstCase);
        if (granted.isEmpty() || granted.get().compareTo(r.lockExpiry) <= 0) {
            return r;
        }
        return new TimingReport(r.timings, r.dcs, r.fenceWorstCase, granted.get(), r.detection, r.race, r.promotion,
                r.margin, r.demotionDeadline, r.warnings);
    }

    /** The report for {@code timings} on {@code dcs}; {@code fenceWorstCase} is 2 s for the PostgreSQL manager. */
    public static TimingReport of(DcsTimings timings, String dcs, Duration fenceWorstCase) {
        Duration ttl = timings.ttl();
        String kind = dcs.toLowerCase(Locale.ROOT);
        // Consul sessions are asked for with ttl/2 and invalidated at twice their TTL, so the lock lives ttl there too
        // (longer only under the agent's session_ttl_min, which the client reports). Kubernetes has no server-side
        // expiry, but the backend's watch wakes each follower when, by its own observation, the lock has gone
        // unrenewed for ttl (a quarter second after, see dcs-kubernetes' KubernetesDcsClient).
        Duration lockExpiry = ttl;
        boolean watches = kind.startsWith("etcd") || kind.startsWith("zookeeper") || kind.startsWith("exhibitor")
                || kind.startsWith("consul") || kind.startsWith("kubernetes");
        Duration detection = watches ? Duration.ZERO : timings.loopWait();
        Duration race = Ha.PROBE_BOUND.plus(timings.retryTimeout());
        Duration margin = HaPolicy.fenceMargin(timings, fenceWorstCase);
        Duration demotion = ttl.minus(HaPolicy.fenceSlack(timings));
        List<String> warnings = new ArrayList<>();
        Duration needed = timings.retryTimeout().multipliedBy(2).plus(margin);
        if (needed.compareTo(ttl) > 0) {
            warnings.add(String.format(Locale.ROOT, "UNSAFE: ttl %d s is shorter than 2 x retry_timeout + fencing "
                    + "margin = %s s: a DCS answering at the limit of retry_timeout can cost a healthy primary its "
                    + "lock and get it fenced; raise ttl to at least %d or lower retry_timeout",
                    ttl.toSeconds(), secs(needed), safeTtl(timings, fenceWorstCase)));
        }
        Duration cycle = needed.plus(Ha.OBSERVE_BOUND);
        if (needed.compareTo(ttl) <= 0 && cycle.compareTo(ttl) > 0) {
            warnings.add(String.format(Locale.ROOT, "tight: after a lock refresh, a read at retry_timeout and a "
                    + "PostgreSQL observation (%s s) do not fit before the next refresh is due; the leader budgets its "
                    + "DCS calls at twice the last refresh's latency instead, so a DCS that slows down suddenly makes "
                    + "it skip a cycle's work (ttl %s s or more avoids that)", secs(cycle.minus(margin)
                    .minus(timings.retryTimeout())), secs(cycle)));
        }
        if (timings.loopWait().compareTo(ttl.minus(margin)) >= 0) {
            warnings.add(String.format(Locale.ROOT, "UNSAFE: loop_wait %d s leaves no room to refresh the lock before "
                    + "the guard fences at ttl - margin = %s s", timings.loopWait().toSeconds(),
                    secs(ttl.minus(margin))));
        }
        Duration worst = lockExpiry.plus(detection).plus(race).plus(TYPICAL_PROMOTION);
        if (worst.compareTo(SLOW_FAILOVER) > 0) {
            warnings.add(String.format(Locale.ROOT, "slow: a dead primary is replaced only after up to %s s; ttl %d s "
                    + "is more than needed: 2 x retry_timeout + fencing margin = %s s is the safe minimum",
                    secs(worst), ttl.toSeconds(), secs(needed)));
        } else if (ttl.compareTo(needed.multipliedBy(3)) > 0) {
            warnings.add(String.format(Locale.ROOT, "slow: ttl %d s is over three times the safe minimum (%s s); "
                    + "failover could be faster", ttl.toSeconds(), secs(needed)));
        }
        return new TimingReport(timings, dcs, fenceWorstCase, lockExpiry, detection, race, TYPICAL_PROMOTION, margin,
                demotion, warnings);
    }

    /** The smallest whole ttl that passes the rule (the slack grows with ttl, so this is a fixed point). */
    static long safeTtl(DcsTimings timings, Duration fenceWorstCase) {
        long ttl = Math.max(1, timings.ttl().toSeconds());
        while (true) {
            DcsTimings t = new DcsTimings(Duration.ofSeconds(ttl), timings.loopWait(), timings.retryTimeout());
            if (t.retryTimeout().multipliedBy(2).plus(HaPolicy.fenceMargin(t, fenceWorstCase)).compareTo(t.ttl()) <= 0) {
                return ttl;
            }
            ttl++;
        }
    }

    /** Lock expiry + detection + race + usual promotion. */
    public Duration worstCaseFailover() {
        return lockExpiry.plus(detection).plus(race).plus(promotion);
    }

    /** Whether a warning says UNSAFE. */
    public boolean unsafe() {
        return warnings.stream().anyMatch(w -> w.startsWith("UNSAFE"));
    }

    /** The report as the log and {@code --explain} print it. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "timings: ttl %d s, loop_wait %d s, retry_timeout %d s on %s:%n",
                timings.ttl().toSeconds(), timings.loopWait().toSeconds(), timings.retryTimeout().toSeconds(), dcs));
        b.append(String.format(Locale.ROOT, "  worst-case failover after the primary's host dies: %s s (lock expiry "
                + "%s s + noticing %s s%s + leader race %s s + promotion about %s s)%n", secs(worstCaseFailover()),
                secs(lockExpiry), secs(detection), detection.isZero() ? " (DCS watch)" : " (next cycle)", secs(race),
                secs(promotion)));
        b.append(String.format(Locale.ROOT, "  demotion deadline: a primary cut off from the DCS has stopped writing at "
                + "most %s s after its last successful lock refresh was sent (fencing starts at %s s and takes up to "
                + "%s s)%n", secs(demotionDeadline), secs(timings.ttl().minus(margin)), secs(fenceWorstCase)));
        b.append(String.format(Locale.ROOT, "  fencing margin: %s s before the lock can expire (the stop's %s s plus "
                + "%s s slack); no other member can take the lock before then", secs(margin), secs(fenceWorstCase),
                secs(margin.minus(fenceWorstCase))));
        for (String w : warnings) {
            b.append(String.format(Locale.ROOT, "%n  %s", w));
        }
        return b.toString();
    }

    private static String secs(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(Locale.ROOT, "%.1f", ms / 1000.0);
    }
}
