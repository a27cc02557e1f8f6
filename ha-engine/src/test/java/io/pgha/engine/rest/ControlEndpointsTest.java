package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Routing of the control endpoints to the {@link ControlHandler}, with their bodies and answers. */
@DisplayName("REST API control endpoints")
class ControlEndpointsTest {
    static final Fixtures.Sources SOURCES = new Fixtures.Sources();
    static final List<String> CALLS = new ArrayList<>();
    static RestApiServer server;
    static Http http;

    static final ControlHandler RECORDING = new ControlHandler() {
        @Override
        public Answer reload() {
            CALLS.add("reload");
            return new Answer(202, "reload scheduled");
        }

        @Override
        public Answer restart(Map<String, Object> request) {
            CALLS.add("restart " + request);
            return new Answer(200, "restarted successfully");
        }

        @Override
        public Answer cancelScheduledRestart() {
            CALLS.add("cancel");
            return new Answer(404, "no restarts are scheduled");
        }

        @Override
        public Answer reinitialize(Map<String, Object> request) {
            CALLS.add("reinitialize " + request);
            return new Answer(200, "reinitialize started");
        }

        @Override
        public Answer patchConfig(Map<String, Object> patch) {
            CALLS.add("patch " + patch);
            return new Answer(200, Map.of("ttl", 30));
        }

        @Override
        public Answer replaceConfig(Map<String, Object> config) {
            CALLS.add("put " + config);
            return new Answer(400, "Invalid config: ttl: got 1");
        }

        @Override
        public Answer failsafe(Map<String, Object> request) {
            CALLS.add("failsafe " + request);
            return new Answer(200, "Accepted");
        }
    };

    @BeforeAll
    static void start() {
        server = RestApiServer.builder(RestApiSettings.listen("127.0.0.1", 0)).identity("batman", "node1")
                .memberStatus(SOURCES).clusterView(SOURCES).switchover(SOURCES).control(RECORDING)
                .clusterReadTimeout(Duration.ofSeconds(2)).build();
        server.start();
        http = Http.to(server);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @BeforeEach
    void reset() {
        SOURCES.reset();
        CALLS.clear();
    }

    @Test
    @DisplayName("POST /reload, /restart (with or without a body), /reinitialize, DELETE /restart")
    void routes() {
        assertEquals(202, http.send("POST", "/reload", null, Map.of()).status());
        Http.Response restart = http.send("POST", "/restart", null, Map.of());
        assertEquals(200, restart.status());
        assertEquals("restarted successfully", restart.body());
        assertEquals(200, http.post("/restart", "{}").status());
        assertEquals(200, http.post("/restart", "{\"role\": \"replica\"}").status());
        assertEquals(200, http.post("/reinitialize", "{\"force\": true}").status());
        assertEquals(404, http.send("DELETE", "/restart", null, Map.of()).status());
        assertEquals(List.of("reload", "restart {}", "restart {}", "restart {role=replica}",
                "reinitialize {force=true}", "cancel"), CALLS);
    }

    @Test
    @DisplayName("PATCH and PUT /config need a JSON object and answer the handler's document or refusal")
    void config() {
        Http.Response patched = http.send("PATCH", "/config", "{\"ttl\": 30}", Map.of());
        assertEquals(200, patched.status());
        assertTrue(patched.body().contains("\"ttl\""), patched.body());
        assertEquals(400, http.send("PUT", "/config", "{\"ttl\": 1}", Map.of()).status());
        assertEquals(400, http.send("PATCH", "/config", "[1]", Map.of()).status());
        assertEquals(List.of("patch {ttl=30}", "put {ttl=1}"), CALLS);
    }

    @Test
    @DisplayName("POST /failsafe hands the leader's request to the handler; a body that is not an object is refused")
    void failsafe() {
        Http.Response r = http.post("/failsafe", "{\"name\": \"n1\", \"api_url\": \"http://127.0.0.1:8008/patroni\"}");
        assertEquals(200, r.status());
        assertEquals("Accepted", r.body());
        assertEquals(400, http.post("/failsafe", "[]").status());
        assertEquals(List.of("failsafe {name=n1, api_url=http://127.0.0.1:8008/patroni}"), CALLS);
    }

    @Test
    @DisplayName("a malformed restart body is refused before the handler sees it")
    void badBody() {
        assertEquals(400, http.post("/restart", "{not json").status());
        assertTrue(CALLS.isEmpty());
    }
}
