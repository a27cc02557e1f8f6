package io.pgha.testkit.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgha.spi.json.Json;
import io.pgha.spi.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for a Consul agent: an in-process HTTP server on 127.0.0.1 that answers the part of Consul's HTTP API
 * (v1) a DCS client uses, with the semantics Consul's API documentation gives. It is not Consul: there is no raft, no
 * gossip, no health checking, one datacenter; every read is consistent because there is one copy of the data.
 *
 * <h2>What it serves</h2>
 * <ul>
 *   <li>{@code GET /v1/kv/<key>} with {@code recurse}, {@code keys}, {@code raw}, blocking {@code index} +
 *       {@code wait}, {@code consistent} / {@code stale}, {@code dc}, {@code token}; 404 when nothing matches.</li>
 *   <li>{@code PUT /v1/kv/<key>} with {@code cas} (0 = create only), {@code acquire}, {@code release},
 *       {@code flags}; body = the value, at most 512 KiB; answers {@code true} or {@code false}.</li>
 *   <li>{@code DELETE /v1/kv/<key>} with {@code recurse} and {@code cas} (0 never deletes).</li>
 *   <li>{@code PUT /v1/session/create} ({@code Name}, {@code Node}, {@code Checks}/{@code NodeChecks},
 *       {@code Behavior} release|delete, {@code TTL}, {@code LockDelay}), {@code PUT /v1/session/renew/<id>}
 *       (404 for an unknown session), {@code PUT /v1/session/destroy/<id>}, {@code GET /v1/session/info/<id>},
 *       {@code GET /v1/session/list}.</li>
 *   <li>{@code PUT /v1/agent/service/register}, {@code PUT /v1/agent/service/deregister/<id>},
 *       {@code GET /v1/agent/services}, {@code GET /v1/agent/self} (its {@code DebugConfig.SessionTTLMin}),
 *       {@code GET /v1/status/leader}.</li>
 * </ul>
 * Every answer carries {@code X-Consul-Index} (never below 1), {@code X-Consul-Knownleader} and
 * {@code X-Consul-Lastcontact}. Anything else is answered 404 naming the stand-in, so that a client that strays
 * outside this surface fails loudly instead of passing against a lenient fake.
 *
 * <h2>Sessions, as documented</h2>
 * A session TTL must lie between the agent's {@code session_ttl_min} (10 s unless configured, see
 * {@link Builder#sessionTtlMin}) and 24 h; a TTL outside is refused with 500 {@code Invalid Session TTL}. Consul
 * promises not to invalidate a session before its TTL and may wait up to twice the TTL: this stand-in always waits
 * the full {@link Builder#expiryFactor} (2 by default), the latest the documentation allows, so that a client
 * relying on earlier expiry fails here. On invalidation (TTL lapse or destroy) the session's locks are deleted
 * ({@code Behavior: delete}) or released ({@code release}), and each such key cannot be acquired again for the
 * session's lock-delay (default 15 s; a JSON number below 1000 means seconds, a larger one nanoseconds, a string is a
 * duration). An explicit {@code ?release} does not start a lock-delay. After {@link #stop()} / {@link #start()}
 * every session gets a full new TTL, as Consul does when a new server leader takes over.
 *
 * <h2>Blocking queries</h2>
 * A GET with {@code index=N} waits until the index of what it reads (the largest modify index among the matching
 * keys, deletions included) exceeds N, or until {@code wait} (default 5 min, at most 10 min) plus a random jitter of
 * up to wait/16 has passed, and then answers with the current data.
 *
 * <p>Thread-safe. {@link #stop()} makes the port refuse connections and ends parked queries; {@link #start()} serves
 * the same data on the same port again.
 */
public final class ConsulStandIn implements AutoCloseable {
    /** The node name sessions and services belong to. */
    public static final String NODE = "pgha-consul-stand-in";
    /** The datacenter this agent is in. */
    public static final String DATACENTER = "dc1";
    /** Consul's default {@code kv_max_value_size}. */
    public static final int MAX_VALUE_BYTES = 512 * 1024;
    /** The node health check every agent has. */
    public static final String SERF_HEALTH = "serfHealth";

    private static final Duration SESSION_TTL_MAX = Duration.ofHours(24);
    private static final Duration DEFAULT_LOCK_DELAY = Duration.ofSeconds(15);
    private static final Duration MAX_LOCK_DELAY = Duration.ofSeconds(60);
    private static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);
    private static final long SWEEP_MILLIS = 20;
    private static final Pattern ID_PATH =
            Pattern.compile("^(/v1/(?:session/(?:renew|destroy|info)|agent/service/deregister))/(.+)$");

    private final Duration sessionTtlMin;
    private final double expiryFactor;
    private final Optional<String> requiredToken;
    private final Object lock = new Object();
    private final TreeMap<String, Entry> kv = new TreeMap<>();
    /** Deleted keys and the index of their deletion, so that blocking queries on a prefix see deletions. */
    private final Map<String, Long> tombstones = new HashMap<>();
    /** Key to the nanoTime until which it cannot be acquired (lock-delay after an invalidation). */
    private final Map<String, Long> lockDelays = new HashMap<>();
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> services = new TreeMap<>();
    private final ExecutorService handlers;
    private final ScheduledExecutorService sweeper;
    private final AtomicInteger requests = new AtomicInteger();
    private long index = 1;
    /** Bumped by every stop so that parked blocking queries notice. */
    private long generation;
    private int port;
    private HttpServer server;
    private boolean closed;
    /** While set, requests are held unanswered, as by a process under SIGSTOP. */
    private boolean frozen;

    private ConsulStandIn(Builder b) {
        this.sessionTtlMin = b.sessionTtlMin;
        this.expiryFactor = b.expiryFactor;
        this.requiredToken = b.requiredToken;
        AtomicInteger n = new AtomicInteger();
        this.handlers = Executors.newCachedThreadPool(r -> daemon(r, "consul-stand-in-" + n.incrementAndGet()));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "consul-stand-in-sessions"));
        this.sweeper.scheduleWithFixedDelay(this::expireSessions, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A stand-in with Consul's defaults (session_ttl_min 10 s), serving on a free loopback port. */
    public static ConsulStandIn launch() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options a real agent takes from its configuration. */
    public static final class Builder {
        private Duration sessionTtlMin = Duration.ofSeconds(10);
        private double expiryFactor = 2.0;
        private Optional<String> requiredToken = Optional.empty();
        private int port;

        private Builder() {
        }

        /** The agent's {@code session_ttl_min}: the shortest session TTL it accepts (Consul's default 10 s). */
        public Builder sessionTtlMin(Duration min) {
            this.sessionTtlMin = Objects.requireNonNull(min, "min is null");
            return this;
        }

        /**
         * When an unrenewed session is invalidated, as a multiple of its TTL: between 1 (the earliest Consul allows)
         * and 2 (the latest, and the default).
         */
        public Builder expiryFactor(double factor) {
            if (factor < 1.0 || factor > 2.0) {
                throw new IllegalArgumentException("Consul invalidates a session between 1x and 2x its TTL, not at " + factor);
            }
            this.expiryFactor = factor;
            return this;
        }

        /** Requires this ACL token on every request ({@code ?token=}, {@code X-Consul-Token} or a bearer token). */
        public Builder requireToken(String token) {
            this.requiredToken = Optional.of(Objects.requireNonNull(token, "token is null"));
            return this;
        }

        /** A fixed port instead of a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Starts serving; returns once the port accepts connections. */
        public ConsulStandIn start() {
            ConsulStandIn standIn = new ConsulStandIn(this);
            // a port of its own rather than port 0: while a test has the stand-in stopped, nothing else may take it
            standIn.port = port > 0 ? port : LoopbackPorts.next();
            standIn.start();
            return standIn;
        }
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Serves (again) on the same port with the same data; every session gets a full new TTL. */
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the Consul stand-in is closed");
            }
            if (server != null) {
                return;
            }
            long now = System.nanoTime();
            sessions.values().forEach(s -> s.renewedAt = now);
            server = bind();
            port = server.getAddress().getPort();
            server.createContext("/", this::handle);
            server.setExecutor(handlers);
            server.start();
        }
    }

    private HttpServer bind() {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        IOException last = null;
        // after stop() the kernel may hold the port briefly; a restart must get the same one back
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                return HttpServer.create(address, 128);
            } catch (BindException e) {
                last = e;
                pauseMillis(100);
            } catch (IOException e) {
                throw new UncheckedIOException("the Consul stand-in cannot listen on " + address, e);
            }
        }
        throw new UncheckedIOException("the Consul stand-in cannot listen on " + address + " again", last);
    }

    private static void pauseMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops serving: the port refuses connections, open connections and parked blocking queries end. Keeps data. */
    public void stop() {
        HttpServer s;
        synchronized (lock) {
            s = server;
            server = null;
            generation++;
            frozen = false;
            lock.notifyAll();
        }
        if (s != null) {
            s.stop(0);
        }
    }

    /**
     * Hangs the stand-in as SIGSTOP hangs a Consul process: connections are accepted and requests read, but none is
     * answered, and no session is invalidated, until {@link #thaw()} (or {@link #stop()}). Sessions whose time ran
     * out meanwhile are invalidated right after the thaw, as Consul's overdue timers fire when it continues.
     */
    public void freeze() {
        synchronized (lock) {
            frozen = true;
        }
    }

    /** Ends a {@link #freeze()}: held requests are answered. */
    public void thaw() {
        synchronized (lock) {
            frozen = false;
            lock.notifyAll();
        }
    }

    /** Holds the calling handler while frozen; bounded, so that a forgotten thaw cannot hang a test JVM forever. */
    private void awaitThawed() {
        synchronized (lock) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (frozen && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    public boolean isRunning() {
        synchronized (lock) {
            return server != null;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        stop();
        sweeper.shutdownNow();
        handlers.shutdownNow();
    }

    public int port() {
        synchronized (lock) {
            return port;
        }
    }

    /** {@code 127.0.0.1:<port>}, as Patroni's {@code consul.host} takes it. */
    public String hostPort() {
        return InetAddress.getLoopbackAddress().getHostAddress() + ":" + port();
    }

    /** {@code http://127.0.0.1:<port>}, as Patroni's {@code consul.url} takes it. */
    public String url() {
        return "http://" + hostPort();
    }

    /** How many HTTP requests have been answered, for tests that check a client's traffic. */
    public int requestCount() {
        return requests.get();
    }

    @Override
    public String toString() {
        return "Consul stand-in at " + hostPort();
    }

    // ------------------------------------------------------------------------------------------------ test access

    /** Every key under {@code prefix} (no leading {@code /}, as Consul keys are) with its value as UTF-8 text. */
    public SortedMap<String, String> values(String prefix) {
        synchronized (lock) {
            SortedMap<String, String> out = new TreeMap<>();
            for (Entry e : prefixed(prefix)) {
                out.put(e.key, new String(e.value, StandardCharsets.UTF_8));
            }
            return out;
        }
    }

    /** Writes {@code value} at {@code key} as a plain PUT would (no session, no condition). */
    public void put(String key, String value) {
        synchronized (lock) {
            upsert(key, value.getBytes(StandardCharsets.UTF_8), 0, null, false);
        }
    }

    /** The session holding {@code key}'s lock, if any. */
    public Optional<String> lockHolder(String key) {
        synchronized (lock) {
            Entry e = kv.get(key);
            return Optional.ofNullable(e == null ? null : e.session);
        }
    }

    /** The ids of the live sessions. */
    public List<String> sessionIds() {
        synchronized (lock) {
            return List.copyOf(sessions.keySet());
        }
    }

    /** The TTL a live session was created with. */
    public Optional<Duration> sessionTtl(String id) {
        synchronized (lock) {
            Session s = sessions.get(id);
            return s == null ? Optional.empty() : Optional.of(s.ttl);
        }
    }

    /** The registered services by id, each as the JSON object it was registered with. */
    public Map<String, Map<String, Object>> services() {
        synchronized (lock) {
            return Collections.unmodifiableMap(new TreeMap<>(services));
        }
    }

    // ------------------------------------------------------------------------------------------------ model

    private static final class Entry {
        final String key;
        byte[] value;
        long flags;
        long createIndex;
        long modifyIndex;
        long lockIndex;
        String session;

        Entry(String key) {
            this.key = key;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("LockIndex", lockIndex);
            m.put("Key", key);
            m.put("Flags", flags);
            m.put("Value", value.length == 0 ? null : Base64.getEncoder().encodeToString(value));
            m.put("CreateIndex", createIndex);
            m.put("ModifyIndex", modifyIndex);
            if (session != null) {
                m.put("Session", session);
            }
            return m;
        }
    }

    private static final class Session {
        final String id;
        final String name;
        final Duration ttl;
        final Duration lockDelay;
        final boolean deleteOnInvalidate;
        final List<String> checks;
        final long createIndex;
        long renewedAt;

        Session(String id, String name, Duration ttl, Duration lockDelay, boolean deleteOnInvalidate, List<String> checks,
                long createIndex) {
            this.id = id;
            this.name = name;
            this.ttl = ttl;
            this.lockDelay = lockDelay;
            this.deleteOnInvalidate = deleteOnInvalidate;
            this.checks = checks;
            this.createIndex = createIndex;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ID", id);
            m.put("Name", name);
            m.put("Node", NODE);
            m.put("LockDelay", lockDelay.toNanos());
            m.put("Behavior", deleteOnInvalidate ? "delete" : "release");
            m.put("TTL", ttl.isZero() ? "" : goDuration(ttl));
            m.put("NodeChecks", checks);
            m.put("ServiceChecks", null);
            m.put("CreateIndex", createIndex);
            m.put("ModifyIndex", createIndex);
            return m;
        }
    }

    private Iterable<Entry> prefixed(String prefix) {
        NavigableMap<String, Entry> tail = kv.tailMap(prefix, true);
        List<Entry> out = new ArrayList<>();
        for (Entry e : tail.values()) {
            if (!e.key.startsWith(prefix)) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    /** The index a blocking query on {@code key} (or the prefix, with recurse) reads at; never below 1. */
    private long indexOf(String key, boolean recurse) {
        long max = 0;
        if (recurse) {
            for (Entry e : prefixed(key)) {
                max = Math.max(max, e.modifyIndex);
            }
            for (Map.Entry<String, Long> t : tombstones.entrySet()) {
                if (t.getKey().startsWith(key)) {
                    max = Math.max(max, t.getValue());
                }
            }
        } else {
            Entry e = kv.get(key);
            max = Math.max(e == null ? 0 : e.modifyIndex, tombstones.getOrDefault(key, 0L));
        }
        return Math.max(1, max);
    }

    private long nextIndex() {
        index++;
        lock.notifyAll();
        return index;
    }

    private Entry upsert(String key, byte[] value, long flags, String acquiredBy, boolean releasing) {
        long idx = nextIndex();
        Entry e = kv.get(key);
        if (e == null) {
            e = new Entry(key);
            e.createIndex = idx;
            kv.put(key, e);
            tombstones.remove(key);
        }
        e.value = value;
        e.flags = flags;
        e.modifyIndex = idx;
        if (acquiredBy != null && !acquiredBy.equals(e.session)) {
            e.session = acquiredBy;
            e.lockIndex++;
        }
        if (releasing) {
            e.session = null;
        }
        return e;
    }

    private void remove(String key) {
        if (kv.remove(key) != null) {
            tombstones.put(key, nextIndex());
        }
    }

    private void expireSessions() {
        synchronized (lock) {
            if (server == null) {
                return; // no leader, no timers: sessions get a full TTL when the stand-in serves again
            }
            if (frozen) {
                return; // a stopped process runs no timers; overdue ones fire after the thaw
            }
            long now = System.nanoTime();
            List<Session> due = new ArrayList<>();
            for (Session s : sessions.values()) {
                if (!s.ttl.isZero() && now - s.renewedAt >= (long) (s.ttl.toNanos() * expiryFactor)) {
                    due.add(s);
                }
            }
            due.forEach(this::invalidate);
        }
    }

    private void invalidate(Session s) {
        sessions.remove(s.id);
        long delayUntil = System.nanoTime() + s.lockDelay.toNanos();
        for (Entry e : new ArrayList<>(kv.values())) {
            if (s.id.equals(e.session)) {
                if (!s.lockDelay.isZero()) {
                    lockDelays.put(e.key, delayUntil);
                }
                if (s.deleteOnInvalidate) {
                    remove(e.key);
                } else {
                    e.session = null;
                    e.modifyIndex = nextIndex();
                }
            }
        }
        nextIndex();
    }

    // ------------------------------------------------------------------------------------------------ HTTP

    /** An answer: status, JSON or text body, and whether the body is JSON. */
    private record Answer(int status, String body, boolean json, long index) {
    }

    private static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        Answer answer;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_VALUE_BYTES + 1);
            boolean tooLarge = in.read() >= 0 || body.length > MAX_VALUE_BYTES;
            awaitThawed();
            answer = route(exchange, body, tooLarge);
            awaitThawed(); // a blocking query woken while frozen must not answer either
        } catch (HttpError e) {
            answer = new Answer(e.status, e.getMessage(), false, currentIndex());
        } catch (RuntimeException e) {
            answer = new Answer(500, "stand-in failure: " + e, false, currentIndex());
        }
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", answer.json() ? "application/json" : "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("X-Consul-Index", Long.toString(answer.index()));
        exchange.getResponseHeaders().set("X-Consul-Knownleader", "true");
        exchange.getResponseHeaders().set("X-Consul-Lastcontact", "0");
        try {
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (IOException e) {
            // the client went away (or stop() closed the connection under a parked query)
        } finally {
            exchange.close();
        }
    }

    private long currentIndex() {
        synchronized (lock) {
            return index;
        }
    }

    private Answer route(HttpExchange exchange, byte[] body, boolean tooLarge) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        checkToken(exchange, query);
        if (query.containsKey("dc") && !query.get("dc").isEmpty() && !query.get("dc").equals(DATACENTER)) {
            throw new HttpError(500, "No path to datacenter");
        }
        if (path.startsWith("/v1/kv/")) {
            String key = URLDecoder.decode(path.substring("/v1/kv/".length()), StandardCharsets.UTF_8);
            switch (method) {
                case "GET":
                    return kvGet(key, query);
                case "PUT":
                    if (tooLarge) {
                        throw new HttpError(413, "Request body too large, max size: " + MAX_VALUE_BYTES + " bytes");
                    }
                    return kvPut(key, query, body);
                case "DELETE":
                    return kvDelete(key, query);
                default:
                    throw new HttpError(405, "method " + method + " not allowed on /v1/kv/");
            }
        }
        Matcher withId = ID_PATH.matcher(path);
        String endpoint = withId.matches() ? withId.group(1) : path;
        // everything after the endpoint is the id: Consul takes the whole path suffix, so that a service id with a
        // slash (Patroni's <scope>/<member>) can be deregistered
        String idTail = withId.matches() ? withId.group(2) : "";
        return switch (method + " " + endpoint) {
            case "PUT /v1/session/create" -> sessionCreate(body);
            case "PUT /v1/session/renew" -> sessionRenew(idTail);
            case "PUT /v1/session/destroy" -> sessionDestroy(idTail);
            case "GET /v1/session/info" -> sessionInfo(idTail);
            case "GET /v1/session/list" -> sessionList();
            case "PUT /v1/agent/service/register" -> serviceRegister(body);
            case "PUT /v1/agent/service/deregister" -> serviceDeregister(idTail);
            case "GET /v1/agent/services" -> json(200, services(), currentIndex());
            case "GET /v1/agent/self" -> agentSelf();
            case "GET /v1/status/leader" -> json(200, "127.0.0.1:8300", currentIndex());
            default -> throw new HttpError(404, "the Consul stand-in does not serve " + method + " " + path);
        };
    }

    private void checkToken(HttpExchange exchange, Map<String, String> query) {
        if (requiredToken.isEmpty()) {
            return;
        }
        String given = query.get("token");
        if (given == null) {
            given = exchange.getRequestHeaders().getFirst("X-Consul-Token");
        }
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (given == null && auth != null && auth.startsWith("Bearer ")) {
            given = auth.substring("Bearer ".length()).trim();
        }
        if (given == null || given.isEmpty()) {
            throw new HttpError(403, "Permission denied: anonymous token lacks permission");
        }
        if (!given.equals(requiredToken.get())) {
            throw new HttpError(403, "ACL not found");
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static Answer json(int status, Object value, long index) {
        return new Answer(status, Json.write(value), true, index);
    }

    private static long unsigned(Map<String, String> query, String name) {
        try {
            long v = Long.parseLong(query.get(name));
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new HttpError(400, "Invalid " + name + " value: '" + query.get(name) + "'");
        }
    }

    private static void checkKey(String key) {
        if (key.isEmpty()) {
            throw new HttpError(400, "Missing key name");
        }
        if (key.startsWith("/")) {
            // a real agent's router cleans the doubled slash of /v1/kv//x with a redirect; no client should send it
            throw new HttpError(400, "the key '" + key + "' begins with '/': Consul keys do not");
        }
    }

    // ------------------------------------------------------------------------------------------------ KV

    private Answer kvGet(String key, Map<String, String> query) {
        if (query.containsKey("consistent") && query.containsKey("stale")) {
            throw new HttpError(400, "Cannot specify ?stale with ?consistent, conflicting semantics.");
        }
        boolean recurse = query.containsKey("recurse") || query.containsKey("keys");
        if (!recurse) {
            checkKey(key);
        }
        long wanted = query.containsKey("index") ? unsigned(query, "index") : 0;
        synchronized (lock) {
            if (wanted > 0) {
                Duration wait = query.containsKey("wait") ? parseGoDuration(query.get("wait"))
                        .orElseThrow(() -> new HttpError(400, "Invalid wait time")) : DEFAULT_WAIT;
                if (wait.compareTo(MAX_WAIT) > 0) {
                    wait = MAX_WAIT;
                }
                long jitter = wait.toNanos() / 16 == 0 ? 0 : ThreadLocalRandom.current().nextLong(wait.toNanos() / 16);
                long deadline = System.nanoTime() + wait.toNanos() + jitter;
                long gen = generation;
                while (indexOf(key, recurse) <= wanted && gen == generation) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new HttpError(500, "interrupted");
                    }
                }
                if (gen != generation) {
                    throw new HttpError(500, "the agent is shutting down");
                }
            }
            long idx = indexOf(key, recurse);
            if (query.containsKey("keys")) {
                List<String> keys = new ArrayList<>();
                String separator = query.get("separator");
                for (Entry e : prefixed(key)) {
                    String k = e.key;
                    if (separator != null && !separator.isEmpty()) {
                        int at = k.indexOf(separator, key.length());
                        if (at >= 0) {
                            k = k.substring(0, at + separator.length());
                        }
                    }
                    if (keys.isEmpty() || !keys.get(keys.size() - 1).equals(k)) {
                        keys.add(k);
                    }
                }
                return keys.isEmpty() ? new Answer(404, "", false, idx) : json(200, keys, idx);
            }
            List<Map<String, Object>> found = new ArrayList<>();
            if (recurse) {
                prefixed(key).forEach(e -> found.add(e.json()));
            } else if (kv.containsKey(key)) {
                if (query.containsKey("raw")) {
                    return new Answer(200, new String(kv.get(key).value, StandardCharsets.UTF_8), false, idx);
                }
                found.add(kv.get(key).json());
            }
            return found.isEmpty() ? new Answer(404, "", false, idx) : json(200, found, idx);
        }
    }

    private Answer kvPut(String key, Map<String, String> query, byte[] body) {
        checkKey(key);
        long flags = query.containsKey("flags") ? unsigned(query, "flags") : 0;
        synchronized (lock) {
            // as Consul's handler: release wins over acquire, which wins over cas
            if (query.containsKey("release")) {
                String sid = query.get("release");
                Entry e = kv.get(key);
                if (e == null || !sid.equals(e.session)) {
                    return json(200, false, index);
                }
                upsert(key, body, flags, null, true);
                return json(200, true, index);
            }
            if (query.containsKey("acquire")) {
                String sid = query.get("acquire");
                if (!sessions.containsKey(sid)) {
                    throw new HttpError(500, "invalid session \"" + sid + "\"");
                }
                Entry e = kv.get(key);
                if (e != null && e.session != null && !e.session.equals(sid)) {
                    return json(200, false, index);
                }
                Long delayedUntil = lockDelays.get(key);
                if (delayedUntil != null) {
                    if (System.nanoTime() - delayedUntil < 0) {
                        return json(200, false, index);
                    }
                    lockDelays.remove(key);
                }
                upsert(key, body, flags, sid, false);
                return json(200, true, index);
            }
            if (query.containsKey("cas")) {
                long cas = unsigned(query, "cas");
                Entry e = kv.get(key);
                boolean holds = cas == 0 ? e == null : e != null && e.modifyIndex == cas;
                if (!holds) {
                    return json(200, false, index);
                }
            }
            upsert(key, body, flags, null, false);
            return json(200, true, index);
        }
    }

    private Answer kvDelete(String key, Map<String, String> query) {
        boolean recurse = query.containsKey("recurse");
        if (!recurse) {
            checkKey(key);
        }
        synchronized (lock) {
            if (query.containsKey("cas")) {
                long cas = unsigned(query, "cas");
                Entry e = kv.get(key);
                if (cas == 0 || e == null || e.modifyIndex != cas) {
                    return json(200, false, index);
                }
                remove(key);
                return json(200, true, index);
            }
            if (recurse) {
                List<String> keys = new ArrayList<>();
                prefixed(key).forEach(e -> keys.add(e.key));
                keys.forEach(this::remove);
            } else {
                remove(key);
            }
            return json(200, true, index);
        }
    }

    // ------------------------------------------------------------------------------------------------ sessions

    private Answer sessionCreate(byte[] body) {
        Map<String, Object> req;
        try {
            req = body.length == 0 ? Map.of() : Json.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new HttpError(400, "Request decode failed: " + e.getMessage());
        }
        Object node = req.get("Node");
        if (node != null && !"".equals(node) && !NODE.equals(node)) {
            throw new HttpError(500, "Missing node registration");
        }
        Duration ttl = Duration.ZERO;
        Object rawTtl = req.get("TTL");
        if (rawTtl != null && !"".equals(rawTtl)) {
            ttl = parseGoDuration(String.valueOf(rawTtl)).orElseThrow(
                    () -> new HttpError(400, "Request decode failed: invalid TTL '" + rawTtl + "'"));
            if (ttl.compareTo(sessionTtlMin) < 0 || ttl.compareTo(SESSION_TTL_MAX) > 0) {
                throw new HttpError(500, "Invalid Session TTL '" + ttl.toNanos() + "', must be between ["
                        + goDuration(sessionTtlMin) + "=" + goDuration(SESSION_TTL_MAX) + "]");
            }
        }
        Duration lockDelay = DEFAULT_LOCK_DELAY;
        Object rawDelay = req.get("LockDelay");
        if (rawDelay instanceof Number n) {
            long v = n.longValue();
            lockDelay = v < 1000 ? Duration.ofSeconds(v) : Duration.ofNanos(v);
        } else if (rawDelay instanceof String s) {
            lockDelay = parseGoDuration(s).orElseThrow(() -> new HttpError(400, "Request decode failed: invalid LockDelay"));
        }
        if (lockDelay.compareTo(MAX_LOCK_DELAY) > 0) {
            throw new HttpError(500, "Invalid Lock Delay '" + lockDelay.toNanos() + "', must be at most 60s");
        }
        Object behavior = req.getOrDefault("Behavior", "release");
        if (!"release".equals(behavior) && !"delete".equals(behavior) && !"".equals(behavior)) {
            throw new HttpError(500, "Invalid Behavior setting '" + behavior + "'");
        }
        List<String> checks = new ArrayList<>();
        Object rawChecks = req.containsKey("NodeChecks") ? req.get("NodeChecks") : req.get("Checks");
        if (rawChecks == null) {
            checks.add(SERF_HEALTH); // omitted: the node's own health check, as Consul defaults
        } else if (rawChecks instanceof List<?> list) {
            for (Object c : list) {
                if (!SERF_HEALTH.equals(c)) {
                    throw new HttpError(500, "Missing check '" + c + "' registration");
                }
                checks.add(SERF_HEALTH);
            }
        }
        synchronized (lock) {
            String id = UUID.randomUUID().toString();
            Session s = new Session(id, String.valueOf(req.getOrDefault("Name", "")), ttl, lockDelay,
                    "delete".equals(behavior), List.copyOf(checks), nextIndex());
            s.renewedAt = System.nanoTime();
            sessions.put(id, s);
            return json(200, Map.of("ID", id), index);
        }
    }

    private Answer sessionRenew(String id) {
        synchronized (lock) {
            Session s = sessions.get(id);
            if (s == null) {
                throw new HttpError(404, "Session id '" + id + "' not found");
            }
            s.renewedAt = System.nanoTime();
            return json(200, List.of(s.json()), index);
        }
    }

    private Answer sessionDestroy(String id) {
        synchronized (lock) {
            Session s = sessions.get(id);
            if (s != null) {
                invalidate(s);
            }
            return json(200, true, index);
        }
    }

    private Answer sessionInfo(String id) {
        synchronized (lock) {
            Session s = sessions.get(id);
            return json(200, s == null ? List.of() : List.of(s.json()), index);
        }
    }

    private Answer sessionList() {
        synchronized (lock) {
            List<Map<String, Object>> out = new ArrayList<>();
            sessions.values().forEach(s -> out.add(s.json()));
            return json(200, out, index);
        }
    }

    // ------------------------------------------------------------------------------------------------ agent

    private Answer serviceRegister(byte[] body) {
        Map<String, Object> req;
        try {
            req = Json.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new HttpError(400, "Request decode failed: " + e.getMessage());
        }
        Object name = req.get("Name");
        if (!(name instanceof String n) || n.isEmpty()) {
            throw new HttpError(400, "Missing service name");
        }
        List<Object> checks = new ArrayList<>();
        if (req.get("Check") instanceof Map<?, ?> c) {
            checks.add(c);
        }
        if (req.get("Checks") instanceof List<?> cs) {
            checks.addAll(cs);
        }
        for (Object c : checks) {
            Map<?, ?> check = (Map<?, ?>) c;
            boolean http = check.get("HTTP") instanceof String h && !h.isEmpty();
            if (http && parseGoDuration(String.valueOf(check.get("Interval"))).filter(d -> !d.isZero()).isEmpty()) {
                throw new HttpError(400, "Invalid check: Interval must be > 0 for Script, HTTP, or TCP checks");
            }
            Object deregister = check.get("DeregisterCriticalServiceAfter");
            if (deregister != null && !"".equals(deregister) && parseGoDuration(String.valueOf(deregister)).isEmpty()) {
                throw new HttpError(400, "Invalid check: DeregisterCriticalServiceAfter '" + deregister + "'");
            }
        }
        Object id = req.get("ID");
        String serviceId = id instanceof String s && !s.isEmpty() ? s : (String) name;
        synchronized (lock) {
            services.put(serviceId, req);
            return new Answer(200, "", false, nextIndex());
        }
    }

    private Answer serviceDeregister(String id) {
        String decoded = URLDecoder.decode(id, StandardCharsets.UTF_8);
        synchronized (lock) {
            if (services.remove(decoded) == null) {
                throw new HttpError(404, "Unknown service ID \"" + decoded + "\". Ensure that the service ID is passed, "
                        + "not the service name.");
            }
            return new Answer(200, "", false, nextIndex());
        }
    }

    private Answer agentSelf() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Datacenter", DATACENTER);
        config.put("NodeName", NODE);
        config.put("Server", true);
        config.put("Version", "stand-in");
        Map<String, Object> debug = new LinkedHashMap<>();
        debug.put("Datacenter", DATACENTER);
        debug.put("NodeName", NODE);
        debug.put("SessionTTLMin", goDuration(sessionTtlMin));
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("Config", config);
        self.put("DebugConfig", debug);
        self.put("Member", Map.of("Name", NODE, "Addr", "127.0.0.1", "Status", 1));
        return json(200, self, currentIndex());
    }

    // ------------------------------------------------------------------------------------------------ Go durations

    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    /** Parses a Go duration ({@code 300ms}, {@code 1.5h}, {@code 2h45m}, {@code 0}); empty when it is none. */
    public static Optional<Duration> parseGoDuration(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.trim();
        if (s.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = GO_DURATION_PART.matcher(s);
        double nanos = 0;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                return Optional.empty();
            }
            double amount = Double.parseDouble(m.group(1));
            nanos += amount * switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            at = m.end();
        }
        return at == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(Math.round(nanos)));
    }

    /** A duration as Go prints one: {@code 10s}, {@code 1m30s}, {@code 24h0m0s}, {@code 1.5s}, {@code 500ms}. */
    public static String goDuration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            long ns = d.toNanos();
            return ns % 1_000_000 == 0 ? ns / 1_000_000 + "ms" : ns % 1000 == 0 ? ns / 1000 + "µs" : ns + "ns";
        }
        StringBuilder sb = new StringBuilder();
        long hours = d.toHours();
        int minutes = d.toMinutesPart();
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            sb.append(minutes).append('m');
        }
        long nanosOfMinute = d.toSecondsPart() * 1_000_000_000L + d.toNanosPart();
        String seconds = new java.math.BigDecimal(nanosOfMinute).movePointLeft(9).stripTrailingZeros().toPlainString();
        sb.append(seconds).append('s');
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}
