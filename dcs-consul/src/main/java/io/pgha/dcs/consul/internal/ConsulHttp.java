package io.pgha.dcs.consul.internal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The Consul HTTP calls this backend makes, and nothing else. The rest of the backend sees only this interface, so
 * that the client library behind it (Ecwid's consul-api, unmaintained since 2020: {@link EcwidConsulHttp}) can be
 * replaced by the JDK's HTTP client without touching anything else.
 *
 * <p>Each method is one HTTP request, made once: retries and the retry_timeout bound belong to
 * {@link ConsulConnection}. A request that does not reach the agent, or that the cluster cannot serve right now
 * (no leader, an RPC failure), throws {@link Unreachable}; an answer that refuses the request for a reason retrying
 * does not cure throws {@link Refused}. Keys are Consul keys: no leading {@code /}.
 *
 * <p>Implementations are thread-safe.
 */
interface ConsulHttp extends AutoCloseable {

    /** How a read is served (Consul's {@code ?consistent} / {@code ?stale} / neither). */
    enum ReadMode {
        DEFAULT, CONSISTENT, STALE
    }

    /** One key as read: value as UTF-8 text ({@code ""} when empty), its {@code ModifyIndex}, its lock's session. */
    record KvEntry(String key, String value, long modifyIndex, Optional<String> session) {
        public KvEntry {
            Objects.requireNonNull(key, "key is null");
            Objects.requireNonNull(value, "value is null");
            Objects.requireNonNull(session, "session is null");
        }
    }

    /** What a read found (empty for a 404) and the {@code X-Consul-Index} it was served at. */
    record KvRead(List<KvEntry> entries, long index) {
        public KvRead {
            entries = List.copyOf(entries);
        }

        Optional<KvEntry> first() {
            return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(0));
        }
    }

    /** The condition of a PUT: none, {@code ?cas=}, {@code ?acquire=} or {@code ?release=}. */
    sealed interface Write {
        record Plain() implements Write {
        }

        /** {@code cas=0}: only if absent; otherwise only if the key still has this {@code ModifyIndex}. */
        record Cas(long modifyIndex) implements Write {
        }

        /** Takes (or keeps) the key's lock for the session; refused while another session holds it. */
        record Acquire(String session) implements Write {
        }

        /** Gives up the key's lock, if the session holds it. */
        record Release(String session) implements Write {
        }
    }

    /**
     * A session to create.
     *
     * @param lockDelay how long a key whose lock the session loses by invalidation stays un-acquirable
     * @param deleteOnInvalidate {@code Behavior: delete} (else {@code release})
     * @param checks the node health-check ids the session depends on (empty: none)
     */
    record SessionSpec(String name, Duration ttl, Duration lockDelay, boolean deleteOnInvalidate, List<String> checks) {
        public SessionSpec {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(ttl, "ttl is null");
            Objects.requireNonNull(lockDelay, "lockDelay is null");
            checks = List.copyOf(checks);
        }
    }

    /**
     * A service registration with one HTTP check.
     *
     * @param deregisterAfter {@code DeregisterCriticalServiceAfter}: Consul drops the service once its check has been
     *        critical this long
     */
    record Service(String id, String name, List<String> tags, String address, int port, String checkUrl,
            Duration checkInterval, Duration deregisterAfter, Optional<String> tlsServerName) {
        public Service {
            Objects.requireNonNull(id, "id is null");
            Objects.requireNonNull(name, "name is null");
            tags = List.copyOf(tags);
            Objects.requireNonNull(address, "address is null");
            Objects.requireNonNull(checkUrl, "checkUrl is null");
            Objects.requireNonNull(checkInterval, "checkInterval is null");
            Objects.requireNonNull(deregisterAfter, "deregisterAfter is null");
            Objects.requireNonNull(tlsServerName, "tlsServerName is null");
        }
    }

    /** {@code GET /v1/kv/<key>}, with {@code ?recurse} for every key under a prefix. */
    KvRead read(String key, boolean recurse, ReadMode mode);

    /**
     * A blocking {@code GET /v1/kv/<prefix>?recurse&index=<index>&wait=<wait>}: returns when something under the
     * prefix changed after {@code index}, or when the wait ran out (then with the same index).
     */
    KvRead await(String prefix, long index, Duration wait, ReadMode mode);

    /** {@code PUT /v1/kv/<key>}; whether Consul applied it. */
    boolean put(String key, String value, Write condition);

    /** {@code DELETE /v1/kv/<key>}, with {@code ?cas=} when given; whether Consul applied it. */
    boolean delete(String key, OptionalLong cas);

    /** {@code DELETE /v1/kv/<prefix>?recurse}. */
    void deleteTree(String prefix);

    /**
     * {@code PUT /v1/session/create}; the new session's id.
     *
     * @throws Refused with {@link Refused#invalidSessionTtl()} when the agent refuses the TTL
     */
    String createSession(SessionSpec spec);

    /** {@code PUT /v1/session/renew/<id>}; {@code false} when the session no longer exists. */
    boolean renewSession(String id);

    /** {@code PUT /v1/session/destroy/<id>}. */
    void destroySession(String id);

    /** The agent's {@code session_ttl_min}, from {@code GET /v1/agent/self}, if it reports one. */
    Optional<Duration> sessionTtlMin();

    /** {@code PUT /v1/agent/service/register}. */
    void registerService(Service service);

    /** {@code PUT /v1/agent/service/deregister/<id>}; an unknown id is not an error. */
    void deregisterService(String id);

    /** Releases the connections. Never throws. */
    @Override
    void close();

    /** The request did not reach the agent, or the cluster could not serve it now; retrying may help. */
    final class Unreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Consul answered and refused the request; retrying the same request will not help. */
    final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String body;

        Refused(int status, String body) {
            super("HTTP " + status + ": " + body.strip());
            this.status = status;
            this.body = body;
        }

        int status() {
            return status;
        }

        /** The agent refused the session TTL (outside its {@code session_ttl_min} .. 24 h). */
        boolean invalidSessionTtl() {
            return body.contains("Invalid Session TTL");
        }

        /** An acquire named a session that does not exist (any more). */
        boolean invalidSession() {
            return body.toLowerCase(java.util.Locale.ROOT).contains("invalid session");
        }

        /** The ACL token is missing, unknown or lacks the permission. */
        boolean denied() {
            return status == 403;
        }
    }
}
