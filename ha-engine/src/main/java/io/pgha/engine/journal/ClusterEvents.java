package io.pgha.engine.journal;

import io.pgha.spi.dcs.Member;
import io.pgha.engine.json.EngineJson;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The cluster's decision journals side by side: takes {@code GET /events} from every member the DCS lists, merges the
 * events by time and prints them as one timeline or per member. {@code pgha events} runs it; {@code pghactl events}
 * is meant to call the same.
 */
public final class ClusterEvents {
    private static final Comparator<ClusterEvent> BY_TIME = Comparator.comparing(ClusterEvent::time)
            .thenComparing(ClusterEvent::member).thenComparingLong(ClusterEvent::seq);

    private ClusterEvents() {
    }

    /** What one member answered: its events, or why they could not be had. */
    public record MemberJournal(String member, List<ClusterEvent> events, Optional<String> error) {
        public MemberJournal {
            events = List.copyOf(events);
        }
    }

    /**
     * Asks each member with an {@code api_url} for its journal, with {@code since} (a sequence number or an ISO-8601
     * instant) when given. A member that does not answer, or answers badly, is reported with the reason, not skipped.
     */
    public static List<MemberJournal> fetch(List<Member> members, Optional<String> since, HttpClient client,
            Duration timeout) {
        List<MemberJournal> out = new ArrayList<>();
        for (Member m : members) {
            Optional<String> api = m.data().apiUrl();
            if (api.isEmpty()) {
                out.add(new MemberJournal(m.name(), List.of(), Optional.of("publishes no api_url")));
                continue;
            }
            String base = api.get().replaceFirst("/patroni/?$", "").replaceFirst("/$", "");
            String url = base + "/events" + since.map(s -> "?since=" + URLEncoder.encode(s, StandardCharsets.UTF_8))
                    .orElse("");
            out.add(fetchOne(m.name(), URI.create(url), client, timeout));
        }
        return out;
    }

    private static MemberJournal fetchOne(String member, URI uri, HttpClient client, Duration timeout) {
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return new MemberJournal(member, List.of(), Optional.of("GET " + uri + " answered " + r.statusCode()
                        + ": " + r.body().strip()));
            }
            return new MemberJournal(member, parse(r.body()), Optional.empty());
        } catch (java.io.IOException | IllegalArgumentException e) {
            return new MemberJournal(member, List.of(), Optional.of("GET " + uri + " failed: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new MemberJournal(member, List.of(), Optional.of("interrupted"));
        }
    }

    /**
     * Reads a {@code GET /events} document.
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static List<ClusterEvent> parse(String body) {
        Object doc = EngineJson.parse(body);
        if (!(doc instanceof Map<?, ?> m) || !(m.get("events") instanceof List<?> events)) {
            throw new IllegalArgumentException("not a GET /events document (no events list)");
        }
        List<ClusterEvent> out = new ArrayList<>();
        for (Object e : events) {
            if (!(e instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("an event is not an object: " + e);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> event = (Map<String, Object>) map;
            out.add(ClusterEvent.fromJson(event));
        }
        return out;
    }

    /** Every member's events in one list, by time (then member, then sequence number). */
    public static List<ClusterEvent> merge(List<MemberJournal> journals) {
        return journals.stream().flatMap(j -> j.events().stream()).sorted(BY_TIME).toList();
    }

    /** One timeline for the whole cluster, then the members that could not be asked. */
    public static String timeline(List<MemberJournal> journals) {
        StringBuilder b = new StringBuilder();
        int width = journals.stream().mapToInt(j -> j.member().length()).max().orElse(4);
        for (ClusterEvent e : merge(journals)) {
            line(b, e, width);
        }
        errors(b, journals);
        return b.toString();
    }

    /** The events grouped per member (members in name order), each group by time. */
    public static String perMember(List<MemberJournal> journals) {
        StringBuilder b = new StringBuilder();
        Map<String, List<ClusterEvent>> by = new TreeMap<>();
        for (MemberJournal j : journals) {
            by.computeIfAbsent(j.member(), k -> new ArrayList<>()).addAll(j.events());
        }
        by.forEach((member, events) -> {
            b.append("== ").append(member).append(" ==\n");
            events.stream().sorted(BY_TIME).forEach(e -> line(b, e, member.length()));
        });
        errors(b, journals);
        return b.toString();
    }

    private static void line(StringBuilder b, ClusterEvent e, int width) {
        b.append(e.time()).append("  ").append(String.format("%-" + width + "s", e.member())).append("  ")
                .append(String.format("%-18s", e.kind())).append(' ').append(e.reason()).append('\n');
        String indent = " ".repeat(Math.max(0, e.time().toString().length() + 2));
        if (!e.changes().isEmpty()) {
            b.append(indent).append("changed: ").append(String.join("; ", e.changes())).append('\n');
        }
        b.append(indent).append("facts:   ").append(facts(e.facts())).append('\n');
    }

    /** The facts in the order an operator reads them. */
    static String facts(Map<String, Object> f) {
        Map<String, Object> ordered = new LinkedHashMap<>();
        for (String k : List.of("role", "postgres", "leader", "holds_lock", "timeline", "lsn", "lag_bytes",
                "lease_left_ms")) {
            Object v = f.get(k);
            if (v != null && !"".equals(v)) {
                ordered.put(k, k.equals("lsn") && v instanceof Number n ? Lsns.text(n.longValue()) : v);
            }
        }
        if (f.get("dcs") instanceof Map<?, ?> dcs) {
            ordered.put("dcs", Boolean.TRUE.equals(dcs.get("reachable")) ? "reachable" : "unreachable");
            Object members = dcs.get("members");
            if (members != null) {
                ordered.put("members", members);
            }
        }
        StringBuilder b = new StringBuilder();
        ordered.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    private static void errors(StringBuilder b, List<MemberJournal> journals) {
        for (MemberJournal j : journals) {
            j.error().ifPresent(e -> b.append("! ").append(j.member()).append(": ").append(e).append('\n'));
        }
    }
}
