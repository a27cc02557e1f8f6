package io.pgha.engine.rest;

import io.pgha.engine.journal.DecisionJournal;
import io.pgha.engine.journal.JournalEvent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code GET /events[?since=N|since=<ISO-8601 instant>]}: this member's decision journal, oldest first. {@code since}
 * is either the last sequence number the caller has seen (the answer's {@code last_seq}) or an instant such as
 * {@code 2026-12-05T06:00:00Z}; without it, every event still in the ring.
 */
final class EventsEndpoint {
    private final DecisionJournal journal;
    private final String scope;
    private final String name;

    EventsEndpoint(DecisionJournal journal, String scope, String name) {
        this.journal = Objects.requireNonNull(journal, "journal is null");
        this.scope = scope;
        this.name = name;
    }

    void get(HttpCall call) {
        List<String> since = call.query().getOrDefault("since", List.of());
        List<JournalEvent> all = journal.all();
        List<JournalEvent> events;
        if (since.isEmpty()) {
            events = all;
        } else if (since.size() > 1) {
            call.jsonError(400, "since given more than once");
            return;
        } else {
            String s = since.get(0).trim();
            try {
                if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
                    long seq = Long.parseLong(s);
                    events = all.stream().filter(e -> e.seq() > seq).toList();
                } else {
                    Instant time = Instant.parse(s);
                    events = all.stream().filter(e -> e.time().isAfter(time)).toList();
                }
            } catch (NumberFormatException | DateTimeParseException e) {
                call.jsonError(400, "since must be a sequence number or an ISO-8601 instant such as "
                        + "2026-12-05T06:00:00Z, not '" + s + "'");
                return;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scope", scope);
        out.put("name", name);
        out.put("last_seq", all.isEmpty() ? 0 : all.get(all.size() - 1).seq());
        out.put("events", events.stream().map(JournalEvent::toJson).toList());
        call.json(200, out);
    }
}
