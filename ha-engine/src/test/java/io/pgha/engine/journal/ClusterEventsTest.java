package io.pgha.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.pgha.engine.journal.ClusterEvents.MemberJournal;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.dcs.PatroniLayout.RawValue;
import io.pgha.spi.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("pgha events: journals of every member, merged")
class ClusterEventsTest {
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<String> queries = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** A member API that serves {@code journal}'s events as GET /events does. */
    private int serve(DecisionJournal journal) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/events", exchange -> {
            synchronized (queries) {
                queries.add(String.valueOf(exchange.getRequestURI().getQuery()));
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("events", journal.all().stream().map(JournalEvent::toJson).toList());
            byte[] body = Json.write(doc).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        s.start();
        servers.add(s);
        return s.getAddress().getPort();
    }

    private static ClusterState members(Map<String, Integer> ports) {
        Map<String, RawValue> raw = new LinkedHashMap<>();
        ports.forEach((name, port) -> raw.put("members/" + name, RawValue.of("{\"api_url\":\"http://127.0.0.1:"
                + port + "/patroni\",\"state\":\"running\"}", 1)));
        return PatroniLayout.decode(raw);
    }

    @Test
    @DisplayName("events of all members come back in time order, a member that does not answer is named")
    void mergesAndReports() throws IOException {
        ManualClock clock = new ManualClock();
        DecisionJournal n1 = new DecisionJournal("n1", clock, Duration.ofSeconds(2), 10);
        DecisionJournal n2 = new DecisionJournal("n2", clock, Duration.ofSeconds(2), 10);
        n1.note(EventKind.AGENT, "agent started");
        clock.advance(Duration.ofSeconds(1));
        n2.note(EventKind.AGENT, "agent started");
        clock.advance(Duration.ofSeconds(1));
        n1.note(EventKind.DEMOTED, "demoted self because DCS is not accessible and I was a leader");
        clock.advance(Duration.ofSeconds(1));
        n2.note(EventKind.PROMOTED, "promoted self to leader by acquiring session lock");

        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("n1", serve(n1));
        ports.put("n2", serve(n2));
        HttpServer dead = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ports.put("n3", dead.getAddress().getPort());
        // bound, never started: connection refused or no answer within the timeout
        dead.stop(0);

        List<MemberJournal> journals = ClusterEvents.fetch(members(ports).members(), Optional.of("0"),
                HttpClient.newHttpClient(), Duration.ofSeconds(2));
        List<ClusterEvent> merged = ClusterEvents.merge(journals);
        assertEquals(List.of("n1 agent", "n2 agent", "n1 demoted", "n2 promoted"),
                merged.stream().map(e -> e.member() + " " + e.kind()).toList());
        assertTrue(journals.get(2).error().isPresent(), "n3 is reported as not answering");
        assertTrue(queries.stream().allMatch("since=0"::equals), queries.toString());

        String timeline = ClusterEvents.timeline(journals);
        assertTrue(timeline.indexOf("demoted self") < timeline.indexOf("promoted self"), timeline);
        assertTrue(timeline.contains("! n3: GET http://127.0.0.1:"), timeline);
        String perMember = ClusterEvents.perMember(journals);
        assertTrue(perMember.indexOf("== n1 ==") < perMember.indexOf("demoted self")
                && perMember.indexOf("demoted self") < perMember.indexOf("== n2 =="), perMember);
    }

    @Test
    @DisplayName("a document that is not GET /events is refused with the reason")
    void badDocuments() {
        assertThrows(IllegalArgumentException.class, () -> ClusterEvents.parse("{\"error\":\"not found\"}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterEvents.parse(
                "{\"events\":[{\"seq\":1,\"time\":\"yesterday\",\"member\":\"n1\",\"kind\":\"x\",\"reason\":\"y\"}]}"));
        assertTrue(e.getMessage().contains("time"), e.getMessage());
    }
}
