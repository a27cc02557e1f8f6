package io.pgha.engine.agent;

import io.pgha.engine.config.DynamicConfig;
import io.pgha.engine.ha.Ha;
import io.pgha.engine.ha.HaLoop;
import io.pgha.engine.ha.PgObservation;
import io.pgha.engine.rest.ControlHandler;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.Precondition;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The REST API's control requests, answered with Patroni's status codes and messages: reloads go to the agent,
 * restarts and reinitialisations to the HA loop (which carries them out on its own thread), configuration changes
 * to the DCS {@code config} key after validation.
 */
final class ControlBridge implements ControlHandler {
    private static final Set<String> RESTART_KEYS = Set.of("schedule", "role", "postgres_version", "timeout",
            "restart_pending");
    private static final Duration DEFAULT_RESTART_TIMEOUT = Duration.ofSeconds(60);

    private final Ha ha;
    private final HaLoop loop;
    private final DcsClient dcs;
    private final Supplier<String> reloader;

    ControlBridge(Ha ha, HaLoop loop, DcsClient dcs, Supplier<String> reloader) {
        this.ha = ha;
        this.loop = loop;
        this.dcs = dcs;
        this.reloader = reloader;
    }

    @Override
    public Answer reload() {
        reloader.get();
        return new Answer(202, "reload scheduled");
    }

    @Override
    public Answer restart(Map<String, Object> request) {
        for (String key : request.keySet()) {
            if (!RESTART_KEYS.contains(key)) {
                return new Answer(400, "Unknown filter for the scheduled restart: " + key);
            }
        }
        Duration timeout = DEFAULT_RESTART_TIMEOUT;
        if (request.containsKey("timeout")) {
            Optional<Duration> t = seconds(request.get("timeout"));
            if (t.isEmpty()) {
                return new Answer(400, "Timeout should be a positive number of seconds");
            }
            timeout = t.get();
        }
        if (request.get("schedule") != null) {
            return schedule(request);
        }
        if (!conditionsHold(request)) {
            return new Answer(503, "restart conditions are not satisfied");
        }
        try {
            waitFor(ha.request(Ha.Control.RESTART));
        } catch (RuntimeException e) {
            return new Answer(503, "restart failed");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            PgObservation pg = ha.liveObservation();
            if (pg.isRunning()) {
                return new Answer(200, "restarted successfully");
            }
            sleep(Duration.ofMillis(200));
        }
        return new Answer(503, "restart failed");
    }

    private Answer schedule(Map<String, Object> request) {
        Instant at;
        try {
            at = OffsetDateTime.parse(String.valueOf(request.get("schedule"))).toInstant();
        } catch (DateTimeParseException e) {
            return new Answer(400, "Timezone information is mandatory for the scheduled restart");
        }
        if (at.isBefore(Instant.now())) {
            return new Answer(422, "Cannot schedule restart in the past");
        }
        if (ha.policy().paused()) {
            return new Answer(500, "Can't schedule restart in the paused state");
        }
        Map<String, Object> published = new LinkedHashMap<>(request);
        published.put("schedule", OffsetDateTime.ofInstant(at, java.time.ZoneOffset.UTC).toString());
        ha.liveObservation().postmasterStartTime().ifPresent(t -> published.put("postmaster_start_time", t.toString()));
        if (!ha.scheduleRestart(new Ha.ScheduledRestart(at, published))) {
            return new Answer(409, "Another restart is already scheduled");
        }
        loop.wakeUp();
        return new Answer(202, "Restart scheduled");
    }

    /** Patroni's filters: the member's role, an older server version, a pending restart. */
    private boolean conditionsHold(Map<String, Object> request) {
        PgObservation pg = ha.liveObservation();
        Object role = request.get("role");
        if (role != null) {
            String wanted = String.valueOf(role).equals("master") ? "primary" : String.valueOf(role);
            if (!wanted.equals(Ha.roleName(pg))) {
                return false;
            }
        }
        Object version = request.get("postgres_version");
        if (version != null && pg.serverVersion() >= versionNumber(String.valueOf(version))) {
            return false;
        }
        return !Boolean.TRUE.equals(request.get("restart_pending")) || !pg.pendingRestart().isEmpty();
    }

    /** "15.2" → 150002, "9.6.24" → 90624, as server_version_num. */
    private static int versionNumber(String text) {
        String[] p = text.trim().split("\\.");
        try {
            int major = Integer.parseInt(p[0]);
            if (major >= 10) {
                return major * 10000 + (p.length > 1 ? Integer.parseInt(p[1]) : 0);
            }
            return major * 10000 + (p.length > 1 ? Integer.parseInt(p[1]) * 100 : 0)
                    + (p.length > 2 ? Integer.parseInt(p[2]) : 0);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    @Override
    public Answer cancelScheduledRestart() {
        return ha.cancelScheduledRestart() ? new Answer(200, "scheduled restart deleted")
                : new Answer(404, "no restarts are scheduled");
    }

    @Override
    public Answer reinitialize(Map<String, Object> request) {
        try {
            waitFor(ha.request(Ha.Control.REINITIALIZE));
            return new Answer(200, "reinitialize started");
        } catch (RuntimeException e) {
            return new Answer(503, e.getMessage());
        }
    }

    @Override
    public Answer failsafe(Map<String, Object> request) {
        if (!(request.get("name") instanceof String leader) || leader.isBlank()) {
            return new Answer(400, "the request names no leader (name)");
        }
        return switch (ha.acceptFailsafe(leader)) {
            case ACCEPTED -> new Answer(200, "Accepted");
            case RUNNING_AS_LEADER -> new Answer(500, "Running as a leader");
            case DISABLED -> new Answer(502, "Failsafe mode is disabled");
        };
    }

    @Override
    public Answer patchConfig(Map<String, Object> patch) {
        return writeConfig(current -> DynamicConfig.patched(current, patch));
    }

    @Override
    public Answer replaceConfig(Map<String, Object> config) {
        return writeConfig(current -> config);
    }

    private Answer writeConfig(java.util.function.Function<Map<String, Object>, Map<String, Object>> change) {
        ClusterState cluster;
        try {
            cluster = dcs.read();
        } catch (DcsUnavailableException e) {
            return new Answer(503, "DCS is not accessible");
        }
        Map<String, Object> current = cluster.config().map(c -> c.data()).orElse(Map.of());
        Map<String, Object> next = change.apply(current);
        List<ConfigProblem> problems = new ArrayList<>();
        DynamicConfig.from(next, problems);
        String errors = problems.stream().filter(ConfigProblem::isError).map(ConfigProblem::toString)
                .collect(Collectors.joining("; "));
        if (!errors.isEmpty()) {
            return new Answer(400, "Invalid config: " + errors);
        }
        Precondition p = cluster.config().map(c -> Precondition.version(c.version())).orElse(Precondition.absent());
        try {
            if (!dcs.writeConfig(next, p)) {
                return new Answer(409, "Config changed in the meantime, try again");
            }
        } catch (DcsUnavailableException e) {
            return new Answer(503, "DCS is not accessible");
        }
        loop.wakeUp();
        return new Answer(200, next);
    }

    private String waitFor(java.util.concurrent.CompletableFuture<String> f) {
        loop.wakeUp();
        long waitSeconds = Math.max(30, 3 * ha.policy().timings().loopWait().toSeconds());
        try {
            return f.get(waitSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause() == null ? e.getMessage() : e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the HA loop did not get to it within " + waitSeconds + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Optional<Duration> seconds(Object v) {
        try {
            double s = v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v));
            return s > 0 ? Optional.of(Duration.ofMillis((long) (s * 1000))) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
