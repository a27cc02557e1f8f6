package io.pgha.dcs.zookeeper.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Curator client, i.e. one ZooKeeper session timeout. Curator re-opens the ZooKeeper session itself after an
 * expiry; a {@code ZkSession} is replaced only when the ttl (the session timeout) changes.
 */
public final class ZkSession {
    private static final Logger LOG = LoggerFactory.getLogger(ZkSession.class);

    private final CuratorFramework framework;
    private final String connectString;
    private final int sessionTimeoutMs;
    /** What the server granted at the last (re)connection; 0 until connected. */
    private volatile int grantedMs;

    public ZkSession(CuratorFramework framework, String connectString, int sessionTimeoutMs) {
        this.framework = framework;
        this.connectString = connectString;
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    void start(BiConsumer<ZkSession, ConnectionState> stateListener) {
        framework.getConnectionStateListenable().addListener((client, state) -> stateListener.accept(this, state));
        framework.start();
    }

    CuratorFramework framework() {
        return framework;
    }

    String connectString() {
        return connectString;
    }

    /** Waits until connected or the deadline passes; whether connected. */
    boolean awaitConnected(long deadlineNanos) throws InterruptedException {
        if (framework.getZookeeperClient().isConnected()) {
            return true;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (ms <= 0 || framework.getState() != CuratorFrameworkState.STARTED) {
            return false;
        }
        return framework.blockUntilConnected((int) Math.min(Integer.MAX_VALUE, ms), TimeUnit.MILLISECONDS);
    }

    /** Calls on the current ZooKeeper handle. */
    ZkCalls calls(long deadlineNanos, List<ACL> acl) throws Exception {
        return new ZkCalls(framework.getZookeeperClient().getZooKeeper(), deadlineNanos, acl);
    }

    long sessionId() {
        try {
            return framework.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    /** Drops the connection without closing the session (see {@link ZooKeeperDcsClient#abandonSession()}). */
    void abandon() {
        try {
            ZooKeeper zk = framework.getZookeeperClient().getZooKeeper();
            LOG.info("abandoning ZooKeeper session 0x{} without closing it", Long.toHexString(zk.getSessionId()));
            zk.getTestable().injectSessionExpiration();
        } catch (Exception e) {
            throw new IllegalStateException("cannot abandon the ZooKeeper session", e);
        }
    }

    /**
     * Abandons the session and closes this client without telling the server (as a crashed process would). Curator
     * reacts to the injected expiry by opening a new handle; closing before it has done so would leave that new
     * handle behind, reconnecting for ever, so wait (briefly) for it first.
     */
    void crash(Duration closeWait) {
        ZooKeeper old;
        try {
            old = framework.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            closeBounded(closeWait);
            return;
        }
        abandon();
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() - deadline < 0) {
            try {
                if (framework.getZookeeperClient().getZooKeeper() != old) {
                    break;
                }
            } catch (Exception e) {
                break;
            }
            // polling Curator's event thread, which has no hook for "handle replaced"
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closeBounded(closeWait);
    }

    /**
     * Records the session timeout the server granted, and warns when it differs from the ttl: the leader key is
     * ephemeral, so it expires after the granted timeout once this agent stops talking to the server.
     */
    void checkNegotiatedTimeout() {
        try {
            int negotiated = framework.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (negotiated > 0) {
                grantedMs = negotiated;
            }
            if (negotiated != sessionTimeoutMs) {
                LOG.warn("ZooKeeper granted a session timeout of {} ms instead of the ttl of {} ms: the leader lock "
                        + "expires after {} ms; adjust the server's minSessionTimeout/maxSessionTimeout",
                        negotiated, sessionTimeoutMs, negotiated);
            }
        } catch (Exception e) {
            LOG.debug("cannot read the negotiated session timeout", e);
        }
    }

    /** The session timeout the server granted, when it is shorter than the one asked for. */
    Optional<Duration> grantedIfShorter() {
        int granted = grantedMs;
        return granted > 0 && granted < sessionTimeoutMs ? Optional.of(Duration.ofMillis(granted)) : Optional.empty();
    }

    /**
     * Closes the session (its ephemeral nodes vanish at once when the server is reachable), waiting at most
     * {@code max}: ZooKeeper's close waits for the server's answer, which a frozen server never sends.
     */
    void closeBounded(Duration max) {
        Thread closer = new Thread(() -> {
            try {
                framework.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the ZooKeeper client failed", e);
            }
        }, "pgha-zookeeper-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(Math.max(1, max.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            LOG.warn("the ZooKeeper client did not close within {} ms; left to finish in the background", max.toMillis());
        }
    }
}
