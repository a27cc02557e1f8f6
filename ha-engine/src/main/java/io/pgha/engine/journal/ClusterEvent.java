package io.pgha.engine.journal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One journal event as another process reads it from a member's {@code GET /events}.
 *
 * @param time when the member recorded it
 * @param member the member's name
 * @param seq the member's sequence number
 * @param kind the kind's label ({@code promoted}, {@code fenced}, ...)
 * @param reason the member's sentence
 * @param changes what changed with it
 * @param facts the facts object, as the member sent it
 */
public record ClusterEvent(Instant time, String member, long seq, String kind, String reason, List<String> changes,
        Map<String, Object> facts) {

    public ClusterEvent {
        Objects.requireNonNull(time, "time is null");
        Objects.requireNonNull(member, "member is null");
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(reason, "reason is null");
        changes = List.copyOf(changes);
        facts = Map.copyOf(facts);
    }

    /**
     * Reads one element of {@code GET /events}.
     *
     * @throws IllegalArgumentException naming the field that is missing or malformed
     */
    public static ClusterEvent fromJson(Map<String, Object> e) {
        Instant time;
        try {
            time = Instant.parse(text(e, "time"));
        } catch (DateTimeParseException ex) {
            throw new IllegalArgumentException("event time is not an ISO-8601 instant: " + e.get("time"), ex);
        }
        Object seq = e.get("seq");
        if (!(seq instanceof Number n)) {
            throw new IllegalArgumentException("event seq is not a number: " + seq);
        }
        Object changes = e.getOrDefault("changes", List.of());
        Object facts = e.getOrDefault("facts", Map.of());
        if (!(changes instanceof List<?> c) || !(facts instanceof Map<?, ?> f)) {
            throw new IllegalArgumentException("event changes must be a list and facts an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> factMap = (Map<String, Object>) f;
        Map<String, Object> nonNull = new LinkedHashMap<>();
        factMap.forEach((k, v) -> nonNull.put(k, v == null ? "" : v));
        return new ClusterEvent(time, text(e, "member"), n.longValue(), text(e, "kind"), text(e, "reason"),
                c.stream().map(String::valueOf).toList(), nonNull);
    }

    /** The event as it was recorded in this process. */
    public static ClusterEvent of(JournalEvent e) {
        return fromJson(e.toJson());
    }

    private static String text(Map<String, Object> e, String key) {
        Object v = e.get(key);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("event " + key + " is missing or not a string: " + v);
        }
        return s;
    }
}
