package io.pgha.spi.dcs;

import java.time.Duration;
import java.util.Objects;

/**
 * The three timings that bound every DCS interaction, from the dynamic configuration.
 *
 * @param ttl how long the leader lock and member keys live without a refresh (Patroni's {@code ttl})
 * @param loopWait the HA loop's period ({@code loop_wait})
 * @param retryTimeout the longest any single DCS operation may take, retries included, before it fails with
 *        {@link DcsUnavailableException} ({@code retry_timeout})
 * @since 1.0
 */
public record DcsTimings(Duration ttl, Duration loopWait, Duration retryTimeout) {

    /** Patroni's defaults: ttl 30 s, loop_wait 10 s, retry_timeout 10 s. */
    public static final DcsTimings PATRONI_DEFAULTS = new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(10),
            Duration.ofSeconds(10));

    public DcsTimings {
        Objects.requireNonNull(ttl, "ttl is null");
        Objects.requireNonNull(loopWait, "loopWait is null");
        Objects.requireNonNull(retryTimeout, "retryTimeout is null");
        if (ttl.isNegative() || ttl.isZero() || loopWait.isNegative() || loopWait.isZero() || retryTimeout.isNegative()
                || retryTimeout.isZero()) {
            throw new IllegalArgumentException("DCS timings must be positive: " + ttl + ", " + loopWait + ", " + retryTimeout);
        }
    }
}
