package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("HAProxy agent-check port")
class AgentCheckTest {
    final Fixtures.Sources sources = new Fixtures.Sources();
    AgentCheckServer server;

    @BeforeEach
    void start() {
        sources.reset();
        server = AgentCheckServer.start(new InetSocketAddress("127.0.0.1", 0), "batman", "node1", sources, sources,
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** What HAProxy gets after sending {@code send} (null: sends nothing, as without agent-send). */
    String ask(String send) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            if (send != null) {
                OutputStream out = s.getOutputStream();
                out.write(send.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    @DisplayName("the primary is ready for the read-write backend and in maintenance for the replicas' backend")
    void primary() throws IOException {
        sources.member.set(Fixtures.primary().build());
        assertEquals("up ready 100%\n", ask("primary\n"));
        assertEquals("up ready 100%\n", ask(null), "no agent-send: the primary is assumed");
        assertEquals("maint\n", ask("replica\n"));
    }

    @Test
    @DisplayName("a streaming replica: maintenance (not DOWN) for read-write, ready for read-only; drained when lagging")
    void replica() throws IOException {
        sources.member.set(Fixtures.replica().build());
        assertEquals("maint\n", ask("primary\n"));
        assertEquals("up ready 100%\n", ask("replica\n"));
        sources.member.set(Fixtures.replica().settings(new HaSettings(false, false, HaSettings.SyncMode.OFF, 10, Duration.ofSeconds(30))).build());
        assertEquals("up drain\n", ask("replica\n"), "980 replayed, leader at 1000: 20 bytes > 10");
    }

    @Test
    @DisplayName("stopped PostgreSQL is down; noloadbalance drains; an unknown request changes nothing")
    void others() throws IOException {
        sources.member.set(Fixtures.stopped().build());
        assertEquals("down\n", ask("replica\n"));
        sources.member.set(Fixtures.replica().tags(Map.of("noloadbalance", true)).build());
        assertEquals("up drain\n", ask("replica\n"));
        assertEquals("#unknown agent-send request, expected primary or replica\n", ask("weight\n"));
    }
}
