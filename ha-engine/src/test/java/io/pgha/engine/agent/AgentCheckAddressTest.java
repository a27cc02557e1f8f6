package io.pgha.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("restapi.agent_check_listen")
class AgentCheckAddressTest {

    static Optional<InetSocketAddress> parse(Object value) {
        return Agent.agentCheckAddress(new ConfigSection("restapi", value == null ? Map.of()
                : Map.of("agent_check_listen", value)));
    }

    @Test
    @DisplayName("absent: no agent-check port; host:port: that address")
    void valid() {
        assertEquals(Optional.empty(), parse(null));
        assertEquals(new InetSocketAddress("127.0.0.1", 5555), parse("127.0.0.1:5555").orElseThrow());
    }

    @Test
    @DisplayName("no port, or a port out of range, is an error naming the key")
    void invalid() {
        for (String bad : new String[] {"localhost", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000"}) {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> parse(bad), bad);
            assertEquals("restapi.agent_check_listen", e.problems().get(0).path());
            assertTrue(e.problems().get(0).isError());
        }
    }
}
