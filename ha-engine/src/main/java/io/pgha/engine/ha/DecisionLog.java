package io.pgha.engine.ha;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the HA loop's decisions like an operator's diary: every change of decision at INFO, a repeated one only as a
 * periodic heartbeat (otherwise DEBUG), so that a quiet cluster's log stays readable.
 */
final class DecisionLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgha.ha");

    private final Duration heartbeat;
    private String last = "";
    private long lastLoggedAt;

    DecisionLog(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    /** Records one cycle's decision. */
    synchronized void record(String decision) {
        long now = System.nanoTime();
        if (!decision.equals(last) || now - lastLoggedAt >= heartbeat.toNanos()) {
            LOG.info(decision);
            last = decision;
            lastLoggedAt = now;
        } else {
            LOG.debug(decision);
        }
    }
}
