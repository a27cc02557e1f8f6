package io.pgha.engine.rest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.pgha.engine.rest.ClusterViewSource.ClusterView;
import io.pgha.engine.rest.SwitchoverHandler.Action;
import io.pgha.spi.dcs.ClusterState;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes every request, as Patroni does: {@code <METHOD> /<first segment>} selects an endpoint; a GET, HEAD or
 * OPTIONS that selects none is a health check when its path names one, else 404. Requests that may wait on the DCS
 * or the HA loop run on a separate small pool, so that health checks are never queued behind them. Every failure
 * is logged and answered with a short message, never a stack trace.
 */
final class RestHandler implements HttpHandler {
    static final Logger LOG = LoggerFactory.getLogger("io.pgha.engine.rest.RestApiServer");
    static final int MAX_BODY = 1 << 20;

    /** GET endpoints; HEAD/OPTIONS on them fall into the health logic and answer 503, as in Patroni. */
    private static final Set<String> READ_ENDPOINTS = Set.of("patroni", "cluster", "history", "config", "liveness",
            "readiness", "metrics", "failsafe", "events");
    /** Patroni write endpoints pgha does not serve yet. */
    private static final Set<String> NOT_IMPLEMENTED = Set.of("POST citus", "POST mpp", "POST sigterm");

    private final String name;
    private final String scope;
    private final String patroniVersion;
    private final MemberStatusSource statusSource;
    private final ClusterViewSource clusterSource;
    private final SwitchoverEndpoint switchover;
    private final ControlHandler control;
    private final AccessControl access;
    private final Map<String, String> standardHeaders;
    private final Executor slowPool;
    private final Duration readTimeout;
    private final Clock clock;
    private final MetricsEndpoint metrics;
    private final Optional<EventsEndpoint> events;

    RestHandler(String name, String scope, String patroniVersion, MemberStatusSource statusSource,
            ClusterViewSource clusterSource, SwitchoverEndpoint switchover, ControlHandler control, AccessControl access,
            Map<String, String> standardHeaders, Executor slowPool, Duration readTimeout, Clock clock,
            MetricsEndpoint metrics, Optional<EventsEndpoint> events) {
        this.name = name;
        this.scope = scope;
        this.patroniVersion = patroniVersion;
        this.statusSource = statusSource;
        this.clusterSource = clusterSource;
        this.switchover = switchover;
        this.control = control;
        this.access = access;
        this.standardHeaders = standardHeaders;
        this.slowPool = slowPool;
        this.readTimeout = readTimeout;
        this.clock = clock;
        this.metrics = metrics;
        this.events = events;
    }

    @Override
    public void handle(HttpExchange exchange) {
        long started = System.nanoTime();
        HttpCall call = new HttpCall(exchange, standardHeaders, MAX_BODY);
        boolean handedOff = false;
        try {
            handedOff = route(call, started);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            fail(call, e);
        } finally {
            if (!handedOff) {
                finish(call, started);
            }
        }
    }

    private Snapshot snapshot() {
        return Snapshot.take(name, scope, statusSource.current(), clusterSource.lastRead(), clock.instant());
    }

    /** Answers or hands the call off; true when another thread now owns it. */
    private boolean route(HttpCall call, long started) {
        String method = call.method();
        String endpoint = call.endpoint();
        switch (method) {
            case "GET", "HEAD", "OPTIONS" -> {
                if ("GET".equals(method)) {
                    switch (endpoint) {
                        case "patroni" -> {
                            call.json(200, Documents.status(snapshot(), patroniVersion));
                            return false;
                        }
                        case "cluster" -> {
                            return later(call, started, this::cluster);
                        }
                        case "history" -> {
                            return withCluster(call, started, c -> call.json(200, Documents.history(c)));
                        }
                        case "config" -> {
                            return withCluster(call, started, c -> c.config().ifPresentOrElse(
                                    cfg -> call.json(200, cfg.data()),
                                    () -> call.jsonError(502, "no dynamic configuration in the DCS")));
                        }
                        case "failsafe" -> {
                            Optional<Map<String, String>> failsafe = clusterSource.lastRead()
                                    .flatMap(v -> v.state().failsafe());
                            failsafe.ifPresentOrElse(f -> call.json(200, f),
                                    () -> call.jsonError(502, "failsafe mode is not active"));
                            return false;
                        }
                        case "liveness" -> {
                            call.statusOnly(Health.liveness(snapshot()));
                            return false;
                        }
                        case "readiness" -> {
                            Optional<String> why = Health.notReady(snapshot(), call.query());
                            why.ifPresent(w -> LOG.debug("Readiness check failure: {}", w));
                            call.statusOnly(why.isEmpty() ? 200 : 503);
                            return false;
                        }
                        case "metrics" -> {
                            metrics.get(call);
                            return false;
                        }
                        case "events" -> {
                            events.ifPresentOrElse(e -> e.get(call),
                                    () -> call.jsonError(501, "this server has no decision journal"));
                            return false;
                        }
                        default -> {
                            // a health check or nothing
                        }
                    }
                }
                if (Health.isHealthPath(call.path())) {
                    Snapshot s = snapshot();
                    int status = Health.check(s, call.path(), call.query());
                    if ("GET".equals(method)) {
                        call.json(status, Documents.status(s, patroniVersion));
                    } else {
                        call.statusOnly(status);
                    }
                } else if (!"GET".equals(method) && READ_ENDPOINTS.contains(endpoint)) {
                    call.statusOnly(503);
                } else if ("GET".equals(method)) {
                    call.jsonError(404, "not found");
                } else {
                    call.statusOnly(404);
                }
                return false;
            }
            case "POST", "PUT", "PATCH", "DELETE" -> {
                Optional<AccessControl.Denial> denial = access.check(call.remoteAddress(),
                        call.hasClientCertificate(), call.header("Authorization"), snapshot().cluster());
                if (denial.isPresent()) {
                    AccessControl.Denial d = denial.get();
                    call.text(d.status(), d.message(), d.challenge()
                            ? Map.of("WWW-Authenticate", "Basic realm=\"Patroni\"") : Map.of());
                    return false;
                }
                String route = method + " " + endpoint;
                switch (route) {
                    case "POST switchover" -> {
                        return later(call, started, c -> switchover.post(c, Action.SWITCHOVER));
                    }
                    case "POST failover" -> {
                        return later(call, started, c -> switchover.post(c, Action.FAILOVER));
                    }
                    case "DELETE switchover" -> {
                        return later(call, started, switchover::delete);
                    }
                    case "POST reload" -> {
                        return later(call, started, c -> answer(c, control.reload()));
                    }
                    case "POST restart" -> {
                        return withOptionalBody(call, started, (c, body) -> answer(c, control.restart(body)));
                    }
                    case "DELETE restart" -> {
                        return later(call, started, c -> answer(c, control.cancelScheduledRestart()));
                    }
                    case "POST reinitialize" -> {
                        return withOptionalBody(call, started, (c, body) -> answer(c, control.reinitialize(body)));
                    }
                    case "POST failsafe" -> {
                        if (!(call.readJsonObject() instanceof HttpCall.Body.Parsed parsed)) {
                            return false;
                        }
                        answer(call, control.failsafe(parsed.object()));
                        return false;
                    }
                    case "PATCH config", "PUT config" -> {
                        if (!(call.readJsonObject() instanceof HttpCall.Body.Parsed parsed)) {
                            return false;
                        }
                        boolean patch = method.equals("PATCH");
                        return later(call, started, c -> answer(c, patch ? control.patchConfig(parsed.object())
                                : control.replaceConfig(parsed.object())));
                    }
                    default -> {
                        if (NOT_IMPLEMENTED.contains(route)) {
                            call.text(501, method + " /" + endpoint + " is not implemented by pgha yet");
                        } else {
                            call.text(404, "not found");
                        }
                        return false;
                    }
                }
            }
            default -> {
                call.text(501, "Unsupported method ('" + method + "')");
                return false;
            }
        }
    }

    /** A request whose JSON body may be absent or {@code {}} (Patroni's restart and reinitialize). */
    private boolean withOptionalBody(HttpCall call, long started,
            java.util.function.BiConsumer<HttpCall, Map<String, Object>> work) {
        Map<String, Object> body;
        if (call.header("Content-Length").map(String::trim).filter(l -> !l.equals("0")).isEmpty()) {
            body = Map.of();
        } else if (call.readJsonObjectOrEmpty() instanceof HttpCall.Body.Parsed parsed) {
            body = parsed.object();
        } else {
            return false;
        }
        return later(call, started, c -> work.accept(c, body));
    }

    private static void answer(HttpCall call, ControlHandler.Answer answer) {
        if (answer.body() instanceof String text) {
            call.text(answer.status(), text);
        } else {
            call.json(answer.status(), answer.body());
        }
    }

    private void cluster(HttpCall call) {
        ClusterView view;
        try {
            view = clusterSource.read(readTimeout);
        } catch (RuntimeException e) {
            LOG.warn("GET /cluster: cannot read the DCS: {}", e.toString());
            call.jsonError(503, "DCS is not accessible");
            return;
        }
        GlobalFlags flags = GlobalFlags.from(view.state(), statusSource.current().settings());
        call.json(200, Documents.cluster(view.state(), flags, scope));
    }

    /** Patroni's {@code dcs.cluster or dcs.get_cluster()}: the trusted view at once, else a fresh read later. */
    private boolean withCluster(HttpCall call, long started, Consumer<ClusterState> answer) {
        Optional<ClusterState> cached = snapshot().cluster();
        if (cached.isPresent()) {
            answer.accept(cached.get());
            return false;
        }
        return later(call, started, c -> {
            ClusterView view;
            try {
                view = clusterSource.read(readTimeout);
            } catch (RuntimeException e) {
                LOG.warn("GET {}: cannot read the DCS: {}", c.path(), e.toString());
                c.jsonError(503, "DCS is not accessible");
                return;
            }
            answer.accept(view.state());
        });
    }

    /** Runs {@code work} on the pool for slow requests; answers 503 at once when that pool is saturated. */
    private boolean later(HttpCall call, long started, Consumer<HttpCall> work) {
        try {
            slowPool.execute(() -> {
                try {
                    work.accept(call);
                } catch (RuntimeException | LinkageError | AssertionError e) {
                    fail(call, e);
                } finally {
                    finish(call, started);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            LOG.warn("{} {}: too many slow requests in progress", call.method(), call.path());
            call.text(503, "too many requests in progress, try again later");
            return false;
        }
    }

    private static void fail(HttpCall call, Throwable e) {
        LOG.error("{} {} failed", call.method(), call.path(), e);
        if (!call.responded()) {
            try {
                call.text(500, "internal server error");
            } catch (RuntimeException again) {
                LOG.debug("cannot send the error response", again);
            }
        }
    }

    private static void finish(HttpCall call, long started) {
        try {
            if (!call.responded()) {
                call.text(500, "internal server error: no response");
            }
        } finally {
            call.close();
            if (LOG.isDebugEnabled()) {
                LOG.debug("API thread: {} - - \"{} {}\" {} latency: {} ms", call.remoteAddress().getHostAddress(),
                        call.method(), call.path(), call.status(),
                        String.format("%.3f", (System.nanoTime() - started) / 1e6));
            }
        }
    }
}
