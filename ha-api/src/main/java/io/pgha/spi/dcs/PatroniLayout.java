package io.pgha.spi.dcs;

import io.pgha.spi.json.Json;
import io.pgha.spi.json.JsonException;
import java.net.URI;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where Patroni keeps a cluster's keys and how it encodes their values, shared by every key-value backend.
 *
 * <p>Keys live under {@code <namespace><scope>/} (namespace {@code /service/} by default): {@code leader} (plain
 * member name), {@code members/<name>} (JSON), {@code config} (JSON), {@code initialize} (system identifier),
 * {@code failover} (JSON), {@code sync} (JSON), {@code history} (JSON array of arrays), {@code status} (JSON),
 * {@code failsafe} (JSON) and the legacy {@code optime/leader} (an LSN). JSON is written compactly.
 *
 * <p>{@link #decode} turns the raw values of one cluster into a {@link ClusterState}, skipping — with a warning —
 * anything it cannot decode, so that one corrupt key never blinds the HA loop to the rest.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 1.0
 */
public final class PatroniLayout {
    public static final String LEADER = "leader";
    public static final String MEMBERS = "members/";
    public static final String CONFIG = "config";
    public static final String INITIALIZE = "initialize";
    public static final String FAILOVER = "failover";
    public static final String SYNC = "sync";
    public static final String HISTORY = "history";
    public static final String STATUS = "status";
    public static final String FAILSAFE = "failsafe";
    /** Pre-2.1 Patroni kept the leader's LSN here; read for compatibility, written only for old readers. */
    public static final String LEGACY_LEADER_OPTIME = "optime/leader";

    /** Patroni's default namespace. */
    public static final String DEFAULT_NAMESPACE = "/service/";

    /** Member values longer than this (in characters) are treated as corrupt. */
    public static final int MAX_MEMBER_VALUE = 64 * 1024;
    /** Any other value longer than this is treated as corrupt. */
    public static final int MAX_VALUE = 1024 * 1024;

    private PatroniLayout() {
    }

    /** One raw value as a backend read it. */
    public record RawValue(String value, long version, String session) {
        public RawValue {
            Objects.requireNonNull(value, "value is null");
            Objects.requireNonNull(session, "session is null");
        }

        public static RawValue of(String value, long version) {
            return new RawValue(value, version, "");
        }
    }

    /**
     * Normalises a namespace as Patroni does: leading and trailing {@code /}, no doubled slashes; empty or
     * {@code null} means {@link #DEFAULT_NAMESPACE}.
     */
    public static String normaliseNamespace(String namespace) {
        if (namespace == null || namespace.isBlank()) {
            return DEFAULT_NAMESPACE;
        }
        String ns = "/" + namespace.trim() + "/";
        return ns.replaceAll("/{2,}", "/");
    }

    /** The prefix under which one cluster's keys live, e.g. {@code /service/batman/}. */
    public static String clusterPrefix(String namespace, String scope) {
        Objects.requireNonNull(scope, "scope is null");
        return normaliseNamespace(namespace) + scope + "/";
    }

    /**
     * Decodes one cluster's raw values.
     *
     * @param values raw values by key relative to the cluster prefix ({@code "leader"}, {@code "members/a"}, ...);
     *        unknown keys are ignored
     */
    public static ClusterState decode(Map<String, RawValue> values) {
        List<String> warnings = new ArrayList<>();
        Optional<String> initialize = Optional.ofNullable(values.get(INITIALIZE)).map(r -> r.value().trim());

        Optional<ClusterConfig> config = Optional.empty();
        RawValue rawConfig = values.get(CONFIG);
        if (rawConfig != null) {
            try {
                checkSize(rawConfig, MAX_VALUE);
                config = Optional.of(new ClusterConfig(rawConfig.version(), Json.parseObject(rawConfig.value())));
            } catch (JsonException e) {
                warnings.add("ignoring config key: " + e.getMessage());
            }
        }

        Optional<Leader> leader = Optional.empty();
        RawValue rawLeader = values.get(LEADER);
        if (rawLeader != null) {
            String name = rawLeader.value().trim();
            if (name.isEmpty() || name.length() > 1024) {
                warnings.add("ignoring leader key: " + (name.isEmpty() ? "empty" : "longer than 1024 characters"));
            } else {
                leader = Optional.of(new Leader(name, rawLeader.version(), rawLeader.session()));
            }
        }

        LeaderStatus status = LeaderStatus.NONE;
        RawValue rawStatus = values.get(STATUS);
        RawValue rawOptime = values.get(LEGACY_LEADER_OPTIME);
        if (rawStatus != null) {
            try {
                checkSize(rawStatus, MAX_VALUE);
                status = decodeStatus(rawStatus.value());
            } catch (JsonException e) {
                warnings.add("ignoring status key: " + e.getMessage());
            }
        } else if (rawOptime != null) {
            try {
                status = new LeaderStatus(Long.parseLong(rawOptime.value().trim()), Map.of(), List.of());
            } catch (NumberFormatException e) {
                warnings.add("ignoring optime/leader key: not a number");
            }
        }

        List<Member> members = new ArrayList<>();
        for (Map.Entry<String, RawValue> e : values.entrySet()) {
            if (!e.getKey().startsWith(MEMBERS)) {
                continue;
            }
            String name = e.getKey().substring(MEMBERS.length());
            if (name.isEmpty() || name.contains("/")) {
                continue;
            }
            try {
                checkSize(e.getValue(), MAX_MEMBER_VALUE);
                members.add(new Member(name, e.getValue().version(), e.getValue().session(),
                        decodeMember(e.getValue().value())));
            } catch (JsonException ex) {
                warnings.add("ignoring member " + name + ": " + ex.getMessage());
            }
        }

        Optional<FailoverRequest> failover = Optional.empty();
        RawValue rawFailover = values.get(FAILOVER);
        if (rawFailover != null) {
            try {
                checkSize(rawFailover, MAX_VALUE);
                failover = decodeFailover(rawFailover.value(), rawFailover.version());
            } catch (JsonException e) {
                warnings.add("ignoring failover key: " + e.getMessage());
            }
        }

        Optional<SyncState> sync = Optional.empty();
        RawValue rawSync = values.get(SYNC);
        if (rawSync != null) {
            try {
                checkSize(rawSync, MAX_VALUE);
                sync = decodeSync(rawSync.value(), rawSync.version());
            } catch (JsonException e) {
                warnings.add("ignoring sync key: " + e.getMessage());
            }
        }

        Optional<History> history = Optional.empty();
        RawValue rawHistory = values.get(HISTORY);
        if (rawHistory != null) {
            try {
                checkSize(rawHistory, MAX_VALUE);
                history = Optional.of(new History(rawHistory.version(), decodeHistory(rawHistory.value())));
            } catch (JsonException e) {
                warnings.add("ignoring history key: " + e.getMessage());
            }
        }

        Optional<Map<String, String>> failsafe = Optional.empty();
        RawValue rawFailsafe = values.get(FAILSAFE);
        if (rawFailsafe != null) {
            try {
                checkSize(rawFailsafe, MAX_VALUE);
                Map<String, String> fs = new LinkedHashMap<>();
                Json.parseObject(rawFailsafe.value()).forEach((k, v) -> fs.put(k, String.valueOf(v)));
                failsafe = Optional.of(fs);
            } catch (JsonException e) {
                warnings.add("ignoring failsafe key: " + e.getMessage());
            }
        }

        return new ClusterState(initialize, config, leader, status, members, failover, sync, history, failsafe,
                warnings);
    }

    private static void checkSize(RawValue raw, int max) {
        if (raw.value().length() > max) {
            throw new JsonException("value of " + raw.value().length() + " characters is larger than " + max);
        }
    }

    /**
     * Decodes a member value: a JSON object, or the legacy form {@code postgres://...?application_name=<api_url>}.
     *
     * @throws JsonException when it is neither, or a known field has the wrong type
     */
    public static MemberData decodeMember(String value) {
        String v = value.trim();
        if (v.startsWith("postgres")) {
            return legacyMember(v);
        }
        Map<String, Object> fields = Json.parseObject(v);
        for (String textField : List.of("conn_url", "api_url", "state", "role")) {
            Object f = fields.get(textField);
            if (f != null && !(f instanceof String)) {
                throw new JsonException("field " + textField + " is " + Json.kind(f) + ", expected a string");
            }
        }
        for (String numberField : List.of("xlog_location", "timeline")) {
            Object f = fields.get(numberField);
            if (f != null && !(f instanceof Number) && !(f instanceof String s && s.trim().matches("-?\\d+"))) {
                throw new JsonException("field " + numberField + " is " + Json.kind(f) + ", expected a number");
            }
        }
        Object tags = fields.get("tags");
        if (tags != null && !(tags instanceof Map)) {
            throw new JsonException("field tags is " + Json.kind(tags) + ", expected an object");
        }
        return new MemberData(fields);
    }

    private static MemberData legacyMember(String url) {
        try {
            URI uri = URI.create(url);
            MemberData.Builder b = MemberData.builder().put("conn_url", url.replaceFirst("\\?.*$", ""));
            String query = uri.getRawQuery();
            if (query != null) {
                for (String part : query.split("&")) {
                    if (part.startsWith("application_name=")) {
                        b.put("api_url", java.net.URLDecoder.decode(part.substring(17), java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new JsonException("legacy member URL is malformed: " + e.getMessage());
        }
    }

    /** Decodes a {@code status} value. */
    public static LeaderStatus decodeStatus(String value) {
        Map<String, Object> m = Json.parseObject(value);
        long optime = m.get("optime") instanceof Number n ? n.longValue() : 0;
        Map<String, Long> slots = new LinkedHashMap<>();
        if (m.get("slots") instanceof Map<?, ?> s) {
            s.forEach((k, v) -> {
                if (v instanceof Number n) {
                    slots.put(String.valueOf(k), n.longValue());
                }
            });
        }
        List<String> retain = new ArrayList<>();
        if (m.get("retain_slots") instanceof List<?> r) {
            r.forEach(x -> retain.add(String.valueOf(x)));
        }
        return new LeaderStatus(optime, slots, retain);
    }

    /** Encodes a {@code status} value. */
    public static String encodeStatus(LeaderStatus status) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("optime", status.optime());
        m.put("slots", status.slots());
        m.put("retain_slots", status.retainSlots());
        return Json.write(m);
    }

    /**
     * Decodes a {@code failover} value: JSON, or the legacy {@code leader:candidate}. {@code {}} and an empty value
     * mean no request.
     */
    public static Optional<FailoverRequest> decodeFailover(String value, long version) {
        String v = value.trim();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!v.startsWith("{")) {
            String[] parts = v.split(":", 2);
            Optional<String> leader = Optional.of(parts[0].trim()).filter(s -> !s.isEmpty());
            Optional<String> candidate = parts.length > 1 ? Optional.of(parts[1].trim()).filter(s -> !s.isEmpty())
                    : Optional.empty();
            if (leader.isEmpty() && candidate.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new FailoverRequest(version, leader, candidate, Optional.empty()));
        }
        Map<String, Object> m = Json.parseObject(v);
        Optional<String> leader = optionalText(m, "leader");
        Optional<String> candidate = optionalText(m, "member");
        Optional<OffsetDateTime> at = Optional.empty();
        Object scheduled = m.get("scheduled_at");
        if (scheduled != null) {
            if (!(scheduled instanceof String s)) {
                throw new JsonException("field scheduled_at is " + Json.kind(scheduled) + ", expected a timestamp");
            }
            try {
                at = Optional.of(OffsetDateTime.parse(s.replace(' ', 'T')));
            } catch (DateTimeParseException e) {
                throw new JsonException("field scheduled_at is not an ISO 8601 timestamp with offset: " + s);
            }
        }
        if (leader.isEmpty() && candidate.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new FailoverRequest(version, leader, candidate, at));
    }

    /** Encodes a {@code failover} value, leaving out fields that are not set. */
    public static String encodeFailover(FailoverRequest request) {
        Map<String, Object> m = new LinkedHashMap<>();
        request.leader().ifPresent(l -> m.put("leader", l));
        request.candidate().ifPresent(c -> m.put("member", c));
        request.scheduledAt().ifPresent(t -> m.put("scheduled_at", t.toString()));
        return Json.write(m);
    }

    /** Decodes a {@code sync} value; {@code {}} means none. */
    public static Optional<SyncState> decodeSync(String value, long version) {
        String v = value.trim();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> m = Json.parseObject(v);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> leader = optionalText(m, "leader");
        List<String> standbys = new ArrayList<>();
        Object ss = m.get("sync_standby");
        if (ss instanceof String s) {
            for (String name : s.split(",")) {
                if (!name.isBlank()) {
                    standbys.add(name.trim());
                }
            }
        } else if (ss != null) {
            throw new JsonException("field sync_standby is " + Json.kind(ss) + ", expected a comma-separated string");
        }
        standbys.sort(String::compareTo);
        Optional<Integer> quorum = Optional.empty();
        Object q = m.get("quorum");
        if (q instanceof Number n) {
            quorum = Optional.of(n.intValue());
        } else if (q != null) {
            throw new JsonException("field quorum is " + Json.kind(q) + ", expected a number");
        }
        return Optional.of(new SyncState(version, leader, standbys, quorum));
    }

    /** Encodes a {@code sync} value with sorted standby names. */
    public static String encodeSync(SyncState sync) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("leader", sync.leader().orElse(null));
        m.put("quorum", sync.quorum().orElse(null));
        List<String> sorted = new ArrayList<>(sync.syncStandbys());
        sorted.sort(String::compareTo);
        m.put("sync_standby", sorted.isEmpty() ? null : String.join(",", sorted));
        return Json.write(m);
    }

    /** Decodes a {@code history} value. */
    public static List<HistoryEntry> decodeHistory(String value) {
        Object parsed = Json.parse(value);
        if (!(parsed instanceof List<?> list)) {
            throw new JsonException("expected a JSON array of timeline entries, got " + Json.kind(parsed));
        }
        List<HistoryEntry> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof List<?> e) || e.size() < 3 || !(e.get(0) instanceof Number tl)
                    || !(e.get(1) instanceof Number lsn)) {
                throw new JsonException("history entry " + Json.write(item) + " is not [timeline, lsn, reason, ...]");
            }
            out.add(new HistoryEntry(tl.longValue(), lsn.longValue(), String.valueOf(e.get(2)),
                    e.size() > 3 && e.get(3) != null ? Optional.of(String.valueOf(e.get(3))) : Optional.empty(),
                    e.size() > 4 && e.get(4) != null ? Optional.of(String.valueOf(e.get(4))) : Optional.empty()));
        }
        return out;
    }

    /** Encodes a {@code history} value. */
    public static String encodeHistory(List<HistoryEntry> history) {
        List<Object> out = new ArrayList<>();
        for (HistoryEntry e : history) {
            List<Object> row = new ArrayList<>(List.of(e.timeline(), e.switchLsn(), e.reason()));
            if (e.timestamp().isPresent() || e.newLeader().isPresent()) {
                row.add(e.timestamp().orElse(null));
            }
            e.newLeader().ifPresent(row::add);
            out.add(row);
        }
        return Json.write(out);
    }

    /** Encodes the {@code failsafe} value. */
    public static String encodeFailsafe(Map<String, String> members) {
        return Json.write(members);
    }

    /** Encodes the {@code config} value. */
    public static String encodeConfig(Map<String, Object> config) {
        return Json.write(config);
    }

    private static Optional<String> optionalText(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String s)) {
            throw new JsonException("field " + field + " is " + Json.kind(v) + ", expected a string");
        }
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
