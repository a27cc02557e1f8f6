package io.pgha.engine.ha;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences PostgreSQL before the leader lock can expire, independently of the HA loop thread.
 *
 * <p>The loop tells the guard when it last refreshed the lock successfully (the moment it sent the refresh, which is
 * no later than when the store restarted the TTL) and when it gives the lock up. If neither happens again before
 * {@code expiry - margin}, the guard fences PostgreSQL (an immediate stop): whatever the loop is stuck on — a DCS call
 * at its retry limit, a slow PostgreSQL — no session can commit here by the time another member may take the lock.
 * The guard checks ten times a second; its margin ({@link HaPolicy#fenceMargin()}) covers the immediate stop.
 *
 * <p>It cannot help when the whole JVM is frozen (SIGSTOP) — nothing in the process runs then.
 */
public final class LeaseGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseGuard.class);

    private final Database database;
    private final ScheduledExecutorService timer;
    private final Object lock = new Object();
    /** System.nanoTime() after which PostgreSQL must be fenced; 0 when this member holds no lock. */
    private long fenceAt;
    private boolean fenced;

    public LeaseGuard(Database database) {
        this.database = database;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-guard");
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, 100, 100, TimeUnit.MILLISECONDS);
    }

    /**
     * The lock was refreshed by a request sent at {@code sentAtNanos}: it is ours until {@code sentAt + ttl}.
     */
    public void renewed(long sentAtNanos, Duration ttl, Duration margin) {
        synchronized (lock) {
            fenceAt = sentAtNanos + ttl.toNanos() - margin.toNanos();
            fenced = false;
        }
    }

    /** This member no longer holds (or no longer runs as if it held) the lock: nothing to guard. */
    public void released() {
        synchronized (lock) {
            fenceAt = 0;
        }
    }

    /** Whether the guard fenced PostgreSQL since the last renewal. */
    public boolean hasFenced() {
        synchronized (lock) {
            return fenced;
        }
    }

    private void check() {
        synchronized (lock) {
            if (fenceAt == 0 || fenced || System.nanoTime() < fenceAt) {
                return;
            }
            fenced = true;
            fenceAt = 0;
        }
        LOG.warn("the leader lock was not refreshed in time and may expire: stopping PostgreSQL immediately so that no "
                + "session can commit here once another member may take over");
        try {
            database.fence();
        } catch (RuntimeException e) {
            LOG.error("fencing PostgreSQL failed: {}", e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
