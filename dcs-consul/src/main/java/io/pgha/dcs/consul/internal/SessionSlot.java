package io.pgha.dcs.consul.internal;

import io.pgha.spi.dcs.DcsUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Consul session ({@code Behavior: delete}, no lock-delay) that this client renews only when asked, never in the
 * background.
 *
 * <p>That is what keeps the SPI's TTL guarantee: a key locked by the session lives until Consul invalidates the
 * session, at most twice its TTL (= ttl) after the last {@link #fresh} or {@link #renewIfCurrent}, and vanishes when
 * the agent stops asking, even while the process and its connections stay up. A session cannot change its TTL, so a
 * new ttl means a new session: the old one is kept in a retired list until the caller has moved its key over
 * ({@link #destroyRetired()}).
 *
 * <p>Thread-safe; calls are serialised, which costs nothing since one agent refreshes from one loop.
 */
final class SessionSlot {
    private static final Logger LOG = LoggerFactory.getLogger(SessionSlot.class);

    private final ConsulConnection connection;
    private final SessionTtl policy;
    private final String name;
    private final String purpose;
    private final List<String> checks;
    private final List<String> retired = new ArrayList<>();
    private String id;
    private Duration ttl;

    /**
     * @param name the session's name in Consul ({@code <scope>-<member>}, as Patroni names its session)
     * @param purpose what the session holds, for messages ("leader lock")
     */
    SessionSlot(ConsulConnection connection, SessionTtl policy, String name, String purpose, List<String> checks) {
        this.connection = connection;
        this.policy = policy;
        this.name = name;
        this.purpose = purpose;
        this.checks = List.copyOf(checks);
    }

    synchronized Optional<String> id() {
        return Optional.ofNullable(id);
    }

    private Duration wantedTtl() {
        return policy.sessionTtl(connection.timings().ttl());
    }

    /**
     * Renews the current session if there is one with the TTL wanted now.
     *
     * @return {@code false} when there is none, its TTL is no longer the wanted one, or Consul no longer has it
     */
    synchronized boolean renewIfCurrent() {
        if (id == null || !ttl.equals(wantedTtl())) {
            return false;
        }
        String current = id;
        if (connection.call("renew the " + purpose + " session", h -> h.renewSession(current))) {
            return true;
        }
        LOG.info("Consul session {} of the {} is gone (invalidated after its TTL)", current, purpose);
        id = null;
        return false;
    }

    /** A session that lives for a full TTL from now: the current one renewed, or a new one. */
    synchronized String fresh() {
        if (renewIfCurrent()) {
            return id;
        }
        if (id != null) {
            retired.add(id); // another TTL: keep it until the caller has rebound its key
            id = null;
        }
        Duration wanted = wantedTtl();
        id = create(wanted);
        ttl = policy.sessionTtl(connection.timings().ttl());
        return id;
    }

    private String create(Duration wanted) {
        ConsulHttp.SessionSpec spec = new ConsulHttp.SessionSpec(name, wanted, Duration.ZERO, true, checks);
        try {
            return connection.callOrRefuse("create a session for the " + purpose, h -> h.createSession(spec));
        } catch (ConsulHttp.Refused e) {
            if (!e.invalidSessionTtl()) {
                throw new DcsUnavailableException("Consul at " + connection.agent() + " refused a session for the "
                        + purpose + ": " + e.getMessage(), e);
            }
            Duration min = connection.call("read the agent's session_ttl_min", ConsulHttp::sessionTtlMin)
                    .orElse(SessionTtl.CONSUL_DEFAULT_MIN);
            if (min.compareTo(wanted) <= 0) {
                throw new DcsUnavailableException("Consul at " + connection.agent() + " refused the session TTL "
                        + GoDuration.format(wanted) + " (" + e.getMessage() + ")", e);
            }
            policy.agentMinimum(min);
            LOG.warn("Consul refused session TTL {} (below the agent's session_ttl_min {}): using {}; {}",
                    GoDuration.format(wanted), GoDuration.format(min), GoDuration.format(min),
                    policy.describe(connection.timings()));
            ConsulHttp.SessionSpec raised = new ConsulHttp.SessionSpec(name, min, Duration.ZERO, true, checks);
            try {
                return connection.callOrRefuse("create a session for the " + purpose, h -> h.createSession(raised));
            } catch (ConsulHttp.Refused again) {
                throw new DcsUnavailableException("Consul at " + connection.agent() + " refused a session for the "
                        + purpose + " with TTL " + GoDuration.format(min) + ": " + again.getMessage(), again);
            }
        }
    }

    /** Drops {@code sessionId} after Consul said it does not exist. */
    synchronized void forget(String sessionId) {
        if (sessionId.equals(id)) {
            id = null;
        }
    }

    /** Destroys the sessions {@link #fresh()} replaced, now that nothing is bound to them. Best effort. */
    void destroyRetired() {
        List<String> done;
        synchronized (this) {
            if (retired.isEmpty()) {
                return;
            }
            done = new ArrayList<>(retired);
            retired.clear();
        }
        for (String old : done) {
            try {
                connection.call("destroy a replaced session", h -> {
                    h.destroySession(old);
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.debug("could not destroy the replaced session {}: {} (it expires by itself)", old, e.getMessage());
            }
        }
    }
}
