package io.pgha.engine.rest;

import io.pgha.engine.rest.ClusterViewSource.ClusterView;
import io.pgha.engine.rest.SwitchoverHandler.Action;
import io.pgha.engine.rest.SwitchoverHandler.Result;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.Member;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /switchover}, {@code POST /failover} and {@code DELETE /switchover}: Patroni's validation, in Patroni's
 * order and with its messages, then the {@link SwitchoverHandler}.
 */
final class SwitchoverEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchoverEndpoint.class);

    private final SwitchoverHandler handler;
    private final ClusterViewSource clusterSource;
    private final MemberStatusSource statusSource;
    private final Duration readTimeout;
    private final Clock clock;

    SwitchoverEndpoint(SwitchoverHandler handler, ClusterViewSource clusterSource, MemberStatusSource statusSource,
            Duration readTimeout, Clock clock) {
        this.handler = handler;
        this.clusterSource = clusterSource;
        this.statusSource = statusSource;
        this.readTimeout = readTimeout;
        this.clock = clock;
    }

    /** A request field as text: strings as they are, numbers and booleans as Python's {@code str}. */
    private sealed interface Field {
        record Absent() implements Field {
        }

        record Text(String value) implements Field {
        }

        record Invalid() implements Field {
        }
    }

    private static Field field(Map<String, Object> request, String key) {
        Object v = request.get(key);
        if (v == null || v instanceof String s && s.isEmpty() || Boolean.FALSE.equals(v)) {
            return new Field.Absent();
        }
        if (v instanceof String s) {
            return new Field.Text(s);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return new Field.Text(PatroniText.tagText(v));
        }
        return new Field.Invalid();
    }

    void post(HttpCall call, Action requested) {
        if (!(call.readJsonObject() instanceof HttpCall.Body.Parsed parsed)) {
            return;
        }
        Map<String, Object> request = parsed.object();
        Field leaderField = field(request, "leader");
        Field candidateField = field(request, "candidate");
        if (candidateField instanceof Field.Absent) {
            candidateField = field(request, "member");
        }
        if (leaderField instanceof Field.Invalid || candidateField instanceof Field.Invalid) {
            call.text(400, "Bad request: leader and candidate must be member names");
            return;
        }
        Optional<String> leader = leaderField instanceof Field.Text t ? Optional.of(t.value()) : Optional.empty();
        Optional<String> candidate = candidateField instanceof Field.Text t ? Optional.of(t.value())
                : Optional.empty();
        Object scheduledRaw = request.get("scheduled_at");
        boolean scheduled = !(scheduledRaw == null || scheduledRaw instanceof String s && s.isEmpty()
                || Boolean.FALSE.equals(scheduledRaw));
        LOG.info("received {} request with leader={} candidate={} scheduled_at={}", requested.word(),
                leader.orElse(null), candidate.orElse(null), scheduled ? scheduledRaw : null);

        ClusterState cluster;
        try {
            ClusterView view = clusterSource.read(readTimeout);
            cluster = view.state();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the DCS for a {} request: {}", requested.word(), e.toString());
            call.text(503, "DCS is not accessible");
            return;
        }
        GlobalFlags flags = GlobalFlags.from(cluster, statusSource.current().settings());

        Action action = requested;
        String error = null;
        int status = 400;
        if (action == Action.FAILOVER && candidate.isEmpty()) {
            error = "Failover could be performed only to a specific candidate";
        } else if (action == Action.SWITCHOVER && leader.isEmpty()) {
            error = "Switchover could be performed only from a specific leader";
        }

        Optional<OffsetDateTime> at = Optional.empty();
        if (error == null && scheduled) {
            if (action == Action.FAILOVER) {
                error = "Failover can't be scheduled";
            } else if (flags.paused()) {
                error = "Can't schedule switchover in the paused state";
            } else {
                PatroniText.Schedule s = scheduledRaw instanceof String text ? PatroniText.parseSchedule(text)
                        : new PatroniText.Schedule.Unparsable();
                if (s instanceof PatroniText.Schedule.NoTimezone) {
                    error = "Timezone information is mandatory for the scheduled " + action.word();
                } else if (s instanceof PatroniText.Schedule.At a) {
                    if (a.time().toInstant().isBefore(clock.instant())) {
                        error = "Cannot schedule " + action.word() + " in the past";
                        status = 422;
                    } else {
                        at = Optional.of(a.time());
                    }
                } else {
                    error = "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601";
                    status = 422;
                }
            }
        }
        if (error == null && flags.paused() && candidate.isEmpty()) {
            error = "Switchover is possible only to a specific candidate in a paused state";
        }
        if (action == Action.FAILOVER && leader.isPresent()) {
            LOG.warn("received failover request with leader specified - performing switchover instead");
            action = Action.SWITCHOVER;
        }
        if (error == null && Objects.equals(leader.orElse(null), candidate.orElse(null))) {
            error = "Switchover target and source are the same";
        }
        if (error == null && at.isEmpty()) {
            error = impossibility(cluster, flags, leader, candidate, action);
            if (error != null) {
                status = 412;
            }
        }
        if (error != null) {
            call.text(status, error);
            return;
        }

        Result result;
        try {
            result = handler.switchover(new SwitchoverHandler.Request(action, leader, candidate, at, cluster));
        } catch (RuntimeException e) {
            LOG.error("{} handler failed", action.word(), e);
            result = new Result.TimedOut();
        }
        answer(call, action, candidate, Objects.requireNonNull(result, "switchover handler returned null"));
    }

    private static void answer(HttpCall call, Action action, Optional<String> candidate, Result result) {
        if (result instanceof Result.Completed c) {
            if (candidate.isEmpty() || candidate.get().equals(c.newLeader())) {
                call.text(200, "Successfully " + action.pastTense() + " over to \"" + c.newLeader() + "\"");
            } else {
                String past = action.pastTense();
                call.text(200, Character.toUpperCase(past.charAt(0)) + past.substring(1) + " over to \""
                        + c.newLeader() + "\" instead of \"" + candidate.get() + "\"");
            }
        } else if (result instanceof Result.Scheduled) {
            call.text(202, action.title() + " scheduled");
        } else if (result instanceof Result.NotPossible n) {
            call.text(412, n.message());
        } else if (result instanceof Result.NotRecorded) {
            call.text(503, "failed to write failover key into DCS");
        } else if (result instanceof Result.Failed) {
            call.text(503, action.title() + " failed");
        } else {
            call.text(503, action.title() + " status unknown");
        }
    }

    /** The part of Patroni's {@code is_failover_possible} that a DCS read decides; null when nothing is wrong. */
    static String impossibility(ClusterState cluster, GlobalFlags flags, Optional<String> leader,
            Optional<String> candidate, Action action) {
        if (leader.isPresent() && !cluster.isLeader(leader.get())) {
            return "leader name does not match";
        }
        boolean strictSync = flags.synchronous() && !flags.quorum();
        if (candidate.isPresent()) {
            if (action == Action.SWITCHOVER && strictSync
                    && !cluster.sync().map(s -> s.isSyncStandby(candidate.get())).orElse(false)) {
                return "candidate name does not match with sync_standby";
            }
            if (cluster.member(candidate.get()).isEmpty()) {
                return "candidate does not exists";
            }
        } else if (strictSync) {
            boolean any = cluster.members().stream()
                    .anyMatch(m -> cluster.sync().map(s -> s.isSyncStandby(m.name())).orElse(false));
            if (!any) {
                return action.word() + " is not possible: can not find sync_standby";
            }
        } else {
            Optional<String> lockHolder = cluster.leader().map(l -> l.name());
            boolean any = cluster.members().stream().anyMatch(m -> lockHolder.isEmpty()
                    || !m.name().equals(lockHolder.get()) && hasApiUrl(m));
            if (!any) {
                return action.word() + " is not possible: cluster does not have members except leader";
            }
        }
        return null;
    }

    private static boolean hasApiUrl(Member m) {
        return m.data().apiUrl().filter(u -> !u.isEmpty()).isPresent();
    }

    void delete(HttpCall call) {
        SwitchoverHandler.CancelResult r;
        try {
            r = Objects.requireNonNull(handler.cancelScheduled(), "cancelScheduled returned null");
        } catch (RuntimeException e) {
            LOG.error("cancelling a scheduled switchover failed", e);
            call.text(503, "failed to write failover key into DCS");
            return;
        }
        switch (r) {
            case CANCELLED -> call.text(200, "scheduled switchover deleted");
            case NOTHING_SCHEDULED -> call.text(404, "no switchover is scheduled");
            default -> call.text(409, "Conflict");
        }
    }
}
