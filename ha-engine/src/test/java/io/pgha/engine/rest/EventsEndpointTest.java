package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.ha.HaClock;
import io.pgha.engine.journal.DecisionJournal;
import io.pgha.engine.journal.EventKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GET /events")
class EventsEndpointTest {
    static final Fixtures.Sources SOURCES = new Fixtures.Sources();
    static final DecisionJournal JOURNAL = new DecisionJournal("node1", HaClock.system(), Duration.ofSeconds(2), 10);
    static RestApiServer server;
    static Http http;

    @BeforeAll
    static void start() {
        SOURCES.reset();
        server = RestApiServer.builder(RestApiSettings.listen("127.0.0.1", 0)).identity("batman", "node1")
                .memberStatus(SOURCES).clusterView(SOURCES).switchover(SOURCES).events(JOURNAL).build();
        server.start();
        http = Http.to(server);
        JOURNAL.note(EventKind.AGENT, "agent started");
        JOURNAL.note(EventKind.DEMOTED, "demoted self because failed to update leader lock in DCS");
        JOURNAL.note(EventKind.POSTGRES, "starting as a secondary");
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> events(Http.Response r) {
        assertEquals(200, r.status(), r.body());
        assertEquals("application/json", r.header("Content-Type"));
        return (List<Map<String, Object>>) r.object().get("events");
    }

    @Test
    @DisplayName("without since: every event, oldest first, with the member, kind, reason, changes and facts")
    void all() {
        Http.Response r = http.get("/events");
        List<Map<String, Object>> events = events(r);
        assertEquals(List.of("agent", "demoted", "postgres"), events.stream().map(e -> e.get("kind")).toList());
        assertEquals(3L, r.object().get("last_seq"));
        Map<String, Object> e = events.get(1);
        assertEquals("node1", e.get("member"));
        assertEquals("demoted self because failed to update leader lock in DCS", e.get("reason"));
        assertTrue(e.containsKey("facts") && e.containsKey("changes") && e.containsKey("time"), e.toString());
    }

    @Test
    @DisplayName("since a sequence number or an instant: only later events")
    void since() {
        assertEquals(List.of(3L), events(http.get("/events?since=2")).stream().map(e -> e.get("seq")).toList());
        String first = (String) events(http.get("/events")).get(0).get("time");
        assertTrue(events(http.get("/events?since=" + first)).stream().noneMatch(e -> e.get("seq").equals(1L)));
        assertEquals(3, events(http.get("/events?since=2000-01-01T00:00:00Z")).size());
    }

    @Test
    @DisplayName("a since that is neither is a 400 naming the problem")
    void badSince() {
        Http.Response r = http.get("/events?since=yesterday");
        assertEquals(400, r.status());
        assertTrue(String.valueOf(r.object().get("error")).contains("since"), r.body());
    }
}
