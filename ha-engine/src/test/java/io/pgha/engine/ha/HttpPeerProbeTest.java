package io.pgha.engine.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.MemberData;
import io.pgha.testkit.server.LoopbackPorts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Defect 10 of issue 7: a member that does not answer the leader race's probe is a warning, as in Patroni. */
class HttpPeerProbeTest {

    @Test
    @DisplayName("D10 a peer that does not answer is logged at WARN with its name and address")
    void unansweredProbeWarns() throws Exception {
        int port = LoopbackPorts.next(); // nothing listens there
        Logger logger = (Logger) LoggerFactory.getLogger(HttpPeerProbe.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        String url = "http://127.0.0.1:" + port + "/patroni";
        try (HttpPeerProbe probe = new HttpPeerProbe(Duration.ofSeconds(1), Optional.empty())) {
            Map<String, Optional<PeerStatus>> answers = probe.probe(List.of(new Member("n2", 1, "s",
                    MemberData.builder().put("api_url", url).build())));
            assertTrue(answers.get("n2").isEmpty());
        } finally {
            logger.detachAppender(appender);
        }
        assertTrue(appender.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
                && e.getFormattedMessage().startsWith("Request failed to n2: GET " + url)), appender.list.toString());
    }

    @Test
    @DisplayName("a Patroni 3.0.x member's GET /patroni is read: role master is a running primary, a replica's WAL is "
            + "the larger of received and replayed")
    void readsPatroni30Answers() {
        // the shapes Patroni 3.0.2's REST API answers with (api.py get_postgresql_status), as a mixed cluster sees them
        PeerStatus primary = HttpPeerProbe.parse("p1", "{\"state\": \"running\", \"postmaster_start_time\": "
                + "\"2026-12-05 14:15:01.1+00:00\", \"role\": \"master\", \"server_version\": 150010, "
                + "\"xlog\": {\"location\": 83886080}, \"timeline\": 2, \"replication\": [], "
                + "\"dcs_last_seen\": 1796479000, \"database_system_identifier\": \"7446000000000000001\", "
                + "\"patroni\": {\"version\": \"3.0.2\", \"scope\": \"mixed\"}}").orElseThrow();
        assertTrue(primary.isRunningPrimary(), primary.toString());
        assertEquals(83886080L, primary.walPosition());
        assertEquals(2L, primary.timeline());
        PeerStatus replica = HttpPeerProbe.parse("p2", "{\"state\": \"running\", \"role\": \"replica\", "
                + "\"server_version\": 150010, \"xlog\": {\"received_location\": 83886200, "
                + "\"replayed_location\": 83886100, \"replayed_timestamp\": null, \"paused\": false}, "
                + "\"timeline\": 2, \"tags\": {\"nofailover\": true}, \"dcs_last_seen\": 1796479000, "
                + "\"patroni\": {\"version\": \"3.0.2\", \"scope\": \"mixed\"}}").orElseThrow();
        assertFalse(replica.isRunningPrimary(), replica.toString());
        assertEquals(83886200L, replica.walPosition());
        assertTrue(replica.noFailover(), replica.toString());
    }
}
