package io.pgha.engine.rest;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgha.engine.Versions;
import io.pgha.engine.journal.DecisionJournal;
import io.pgha.spi.PghaException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Patroni-compatible REST API of one member, on the JDK's HTTP server.
 *
 * <p>Reads ({@code GET /patroni}, health checks, {@code /liveness}, {@code /readiness}) are answered from the
 * {@link MemberStatusSource} snapshot and the last DCS read, never by querying PostgreSQL or the DCS, so they are
 * fast and cannot hang. {@code GET /cluster} (and {@code /history}, {@code /config} when the last read is older
 * than ttl) read the DCS through {@link ClusterViewSource#read} with a bounded timeout; those, and switchovers, run
 * on a separate two-thread pool so that they never delay health checks.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #stop()} (or {@link #close()}) once; {@link #reloadTls()} any time in
 * between. Thread-safe.
 */
public final class RestApiServer implements AutoCloseable {
    /** Pending requests beyond the busy threads before new connections are dropped. */
    private static final int QUEUE_PER_THREAD = 16;
    private static final int SLOW_THREADS = 2;
    private static final int SLOW_QUEUE = 8;

    static {
        // The JDK server reads these once, when its first instance is created (they are JVM-wide). Without
        // TCP_NODELAY every response with a body waits for the client's delayed ACK (about 40 ms), because headers
        // and body are written separately.
        setIfAbsent("sun.net.httpserver.nodelay", "true");
        // A client gets 10 s to send its request; a slow one would otherwise hold a worker thread indefinitely.
        setIfAbsent("sun.net.httpserver.maxReqTime", "10");
        // The timer that enforces it checks every second by default, a wake-up per second in an idle agent; checked
        // every 5 s, a slow client is cut off after 10 to 15 s.
        setIfAbsent("sun.net.httpserver.timerMillis", "5000");
    }

    private final RestApiSettings settings;
    private final String scope;
    private final String name;
    private final String patroniVersion;
    private final MemberStatusSource statusSource;
    private final ClusterViewSource clusterSource;
    private final SwitchoverHandler switchoverHandler;
    private final ControlHandler controlHandler;
    private final Clock clock;
    private final Duration clusterReadTimeout;
    private final PrometheusMeterRegistry metricsRegistry;
    private final Optional<DecisionJournal> journal;

    private HttpServer server;
    private ThreadPoolExecutor requestPool;
    private ThreadPoolExecutor slowPool;
    private TlsContexts.Swappable tlsContext;
    private String tlsDigest;
    private boolean started;
    private boolean stopped;

    private RestApiServer(Builder b) {
        this.settings = b.settings;
        this.scope = Objects.requireNonNull(b.scope, "scope is not set");
        this.name = Objects.requireNonNull(b.name, "member name is not set");
        this.patroniVersion = b.patroniVersion;
        this.statusSource = Objects.requireNonNull(b.statusSource, "memberStatus source is not set");
        this.clusterSource = Objects.requireNonNull(b.clusterSource, "clusterView source is not set");
        this.switchoverHandler = Objects.requireNonNull(b.switchoverHandler, "switchover handler is not set");
        this.controlHandler = b.controlHandler;
        this.clock = b.clock;
        this.clusterReadTimeout = b.clusterReadTimeout;
        this.metricsRegistry = b.metricsRegistry != null ? b.metricsRegistry : defaultRegistry(scope, name);
        this.journal = Optional.ofNullable(b.journal);
    }

    /** Patroni's labels on every meter: {@code scope} and {@code name}. */
    private static PrometheusMeterRegistry defaultRegistry(String scope, String name) {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        r.config().commonTags("scope", scope, "name", name);
        return r;
    }

    /** Starts configuring a server for {@code settings}. */
    public static Builder builder(RestApiSettings settings) {
        return new Builder(settings);
    }

    /**
     * Loads the TLS material (if any), binds the listen address and starts serving.
     *
     * @throws PghaException {@code REST_TLS_INVALID} when certificate or key cannot be used, {@code REST_BIND_FAILED}
     *         when the address cannot be bound, {@code REST_ALREADY_STARTED} on a second call
     */
    public synchronized void start() {
        if (started) {
            throw new PghaException("REST_ALREADY_STARTED", "the REST API server was already started");
        }
        started = true;
        InetSocketAddress address = bindAddress();
        AccessControl access = AccessControl.create(settings);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Server", serverHeader());
        headers.putAll(settings.httpExtraHeaders());
        try {
            if (settings.tls().isPresent()) {
                TlsContexts.Loaded loaded = TlsContexts.load(settings.tls().get());
                tlsContext = TlsContexts.Swappable.of(loaded.context());
                tlsDigest = loaded.digest();
                HttpsServer https = HttpsServer.create(address, settings.requestQueueSize());
                https.setHttpsConfigurator(TlsContexts.configurator(tlsContext, settings.tls().get()));
                headers.putAll(settings.httpsExtraHeaders());
                server = https;
            } else {
                server = HttpServer.create(address, settings.requestQueueSize());
            }
        } catch (IOException e) {
            throw new PghaException("REST_BIND_FAILED", "Couldn't start a service on '" + settings.listenHost() + ":"
                    + settings.listenPort() + "', please check your restapi.listen configuration: " + e, e);
        }
        int threads = settings.threadPoolSize();
        requestPool = pool("pgha-rest-", threads, threads * QUEUE_PER_THREAD);
        slowPool = pool("pgha-rest-dcs-", SLOW_THREADS, SLOW_QUEUE);
        SwitchoverEndpoint switchover = new SwitchoverEndpoint(switchoverHandler, clusterSource, statusSource,
                clusterReadTimeout, clock);
        MetricsEndpoint metrics = new MetricsEndpoint(metricsRegistry,
                () -> Snapshot.take(name, scope, statusSource.current(), clusterSource.lastRead(), clock.instant()),
                patroniVersion);
        Optional<EventsEndpoint> events = journal.map(j -> new EventsEndpoint(j, scope, name));
        server.createContext("/", new RestHandler(name, scope, patroniVersion, statusSource, clusterSource,
                switchover, controlHandler, access, Map.copyOf(headers), slowPool, clusterReadTimeout, clock, metrics,
                events));
        server.setExecutor(requestPool);
        server.start();
        RestHandler.LOG.info("REST API listening on {}://{}", isHttps() ? "https" : "http",
                hostPort(server.getAddress()));
    }

    /** Stops accepting connections, drops open ones and ends the worker threads. Idempotent. */
    public synchronized void stop() {
        if (!started || stopped) {
            stopped = true;
            return;
        }
        stopped = true;
        if (server != null) {
            // 0: do not wait for idle keep-alive connections (JDK 17 would otherwise sit out the whole delay)
            server.stop(0);
        }
        try {
            for (ThreadPoolExecutor pool : new ThreadPoolExecutor[] {requestPool, slowPool}) {
                if (pool != null) {
                    pool.shutdownNow();
                    pool.awaitTermination(2, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The address actually bound (with the real port when 0 was configured). */
    public synchronized InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("the REST API server is not started");
        }
        return server.getAddress();
    }

    /** The port actually bound. */
    public int port() {
        return address().getPort();
    }

    /** Whether the server speaks TLS. */
    public boolean isHttps() {
        return settings.tls().isPresent();
    }

    /**
     * Re-reads {@code certfile}, {@code keyfile} and {@code cafile} (Patroni does this on SIGHUP) and uses them for
     * new connections.
     *
     * @return true when the files changed and the new material is in use; false when nothing changed or TLS is off
     * @throws PghaException {@code REST_TLS_INVALID} when the new files cannot be used (the old ones stay in use)
     */
    public synchronized boolean reloadTls() {
        if (tlsContext == null || stopped) {
            return false;
        }
        TlsContexts.Loaded loaded = TlsContexts.load(settings.tls().get());
        if (loaded.digest().equals(tlsDigest)) {
            return false;
        }
        tlsContext.swap(loaded.context());
        tlsDigest = loaded.digest();
        RestHandler.LOG.info("REST API: reloaded the TLS certificate");
        return true;
    }

    private InetSocketAddress bindAddress() {
        String host = settings.listenHost().trim();
        int port = settings.listenPort();
        if (host.isEmpty() || host.equals("*")) {
            return new InetSocketAddress(port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new PghaException("REST_BIND_FAILED", "Couldn't start a service on '" + host + ":" + port
                    + "', please check your restapi.listen configuration: cannot resolve " + host);
        }
    }

    private String serverHeader() {
        return switch (settings.serverTokens()) {
            case MINIMAL -> "Patroni/" + patroniVersion;
            case PRODUCTONLY -> "Patroni";
            default -> "pgha/" + Versions.engine() + " Java/" + System.getProperty("java.version", "?");
        };
    }

    private static String hostPort(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private static ThreadPoolExecutor pool(String prefix, int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // AbortPolicy: when saturated, the JDK server closes the new connection instead of queueing without bound
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue), factory, new ThreadPoolExecutor.AbortPolicy());
        // an idle agent keeps no idle workers (nor their stacks): a minute without requests ends them, and the next
        // request starts one again
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Configures a {@link RestApiServer}; not thread-safe. */
    public static final class Builder {
        private final RestApiSettings settings;
        private String scope;
        private String name;
        private String patroniVersion = Versions.PATRONI_COMPATIBLE;
        private MemberStatusSource statusSource;
        private ClusterViewSource clusterSource;
        private SwitchoverHandler switchoverHandler;
        private ControlHandler controlHandler = ControlHandler.NONE;
        private Clock clock = Clock.systemUTC();
        private Duration clusterReadTimeout = Duration.ofSeconds(10);
        private PrometheusMeterRegistry metricsRegistry;
        private DecisionJournal journal;

        private Builder(RestApiSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings is null");
        }

        /** The cluster name ({@code scope}) and this member's {@code name}. Required. */
        public Builder identity(String scope, String name) {
            this.scope = Objects.requireNonNull(scope, "scope is null");
            this.name = Objects.requireNonNull(name, "name is null");
            return this;
        }

        /** The version reported as {@code patroni.version}; default {@link Versions#PATRONI_COMPATIBLE}. */
        public Builder patroniVersion(String v) {
            this.patroniVersion = Objects.requireNonNull(v, "version is null");
            return this;
        }

        /** Required. */
        public Builder memberStatus(MemberStatusSource s) {
            this.statusSource = s;
            return this;
        }

        /** Required. */
        public Builder clusterView(ClusterViewSource s) {
            this.clusterSource = s;
            return this;
        }

        /** Required. */
        public Builder switchover(SwitchoverHandler h) {
            this.switchoverHandler = h;
            return this;
        }

        /** Reload, restart, reinitialize and configuration changes; default: none (501). */
        public Builder control(ControlHandler h) {
            this.controlHandler = Objects.requireNonNull(h, "control is null");
            return this;
        }

        /** The clock for lock expiry, liveness and schedules; default UTC system clock. */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock is null");
            return this;
        }

        /** How long a fresh DCS read may take ({@link ClusterViewSource#read}); default 10 s (Patroni's retry_timeout). */
        public Builder clusterReadTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("clusterReadTimeout must be positive");
            }
            this.clusterReadTimeout = d;
            return this;
        }

        /**
         * The registry {@code GET /metrics} scrapes; Patroni's gauges are added to it. Default: a registry of its own
         * labelled with {@code scope} and {@code name}.
         */
        public Builder metrics(PrometheusMeterRegistry registry) {
            this.metricsRegistry = Objects.requireNonNull(registry, "registry is null");
            return this;
        }

        /** The decision journal {@code GET /events} shows; without one, that endpoint answers 501. */
        public Builder events(DecisionJournal journal) {
            this.journal = Objects.requireNonNull(journal, "journal is null");
            return this;
        }

        public RestApiServer build() {
            return new RestApiServer(this);
        }
    }

    @Override
    public String toString() {
        return "RestApiServer[" + scope + "/" + name + ", " + settings.listenHost() + ":" + settings.listenPort()
                + Optional.ofNullable(server).map(s -> " bound " + hostPort(s.getAddress())).orElse("") + "]";
    }
}
