package io.pgha.engine.journal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One decision that changed something, with why and on what facts.
 *
 * @param seq this member's sequence number, from 1, increasing by one per event (a restarted agent starts again)
 * @param time when it was recorded, on the HA clock's wall time
 * @param member the member's name
 * @param kind what kind of decision it was
 * @param reason the HA loop's sentence (or the guard's, for fencing)
 * @param changes what changed with it, each as {@code what: before -> after}
 * @param facts what the member knew when it decided
 */
public record JournalEvent(long seq, Instant time, String member, EventKind kind, String reason, List<String> changes,
        JournalFacts facts) {

    public JournalEvent {
        Objects.requireNonNull(time, "time is null");
        Objects.requireNonNull(member, "member is null");
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(reason, "reason is null");
        changes = List.copyOf(changes);
        Objects.requireNonNull(facts, "facts is null");
    }

    /** One element of {@code GET /events}. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", seq);
        m.put("time", time.toString());
        m.put("member", member);
        m.put("kind", kind.label());
        m.put("reason", reason);
        m.put("changes", changes);
        m.put("facts", facts.toJson());
        return m;
    }
}
