package io.pgha.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigSectionTest {

    private static ConfigSection section(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return new ConfigSection("etcd3", m);
    }

    @Test
    void readsLooseTypesAsPatroniDoes() {
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigSection s = section("ttl", "30", "verify", "on", "hosts", "a:1, b:2", "wait", "500ms", "n", 7);
        assertEquals(30L, s.integer("ttl", problems).orElseThrow());
        assertTrue(s.bool("verify", problems).orElseThrow());
        assertEquals(List.of("a:1", "b:2"), s.stringList("hosts", problems));
        assertEquals(Duration.ofMillis(500), s.duration("wait", problems).orElseThrow());
        assertEquals(Duration.ofSeconds(7), s.duration("n", problems).orElseThrow());
        assertEquals(List.of(), problems);
    }

    @Test
    void reportsEveryProblemWithItsPathAndValue() {
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigSection s = section("ttl", "ten", "hosts", Map.of("a", 1), "verify", "maybe", "extra", 1);
        s.integer("ttl", problems);
        s.stringList("hosts", problems);
        s.bool("verify", problems);
        s.requiredString("username", problems);
        s.warnUnknownKeys(Set.of("ttl", "hosts", "verify", "username"), problems);
        assertEquals(5, problems.size(), problems.toString());
        assertEquals("etcd3.ttl: got the text 'ten': expected a whole number", problems.get(0).toString());
        assertEquals("etcd3.hosts", problems.get(1).path());
        assertTrue(problems.get(2).message().contains("'maybe'"));
        assertEquals("etcd3.username", problems.get(3).path());
        assertEquals(ConfigProblem.Severity.WARNING, problems.get(4).severity());
        assertEquals("etcd3.extra", problems.get(4).path());
    }

    @Test
    void invalidConfigExceptionListsErrorsOnePerLine() {
        InvalidConfigException e = new InvalidConfigException(List.of(ConfigProblem.error("scope", "is missing"),
                ConfigProblem.warning("foo", "unknown key, ignored"), ConfigProblem.error("ttl", "too small")));
        assertEquals("invalid configuration (2 problems):\n  - scope: is missing\n  - ttl: too small", e.getMessage());
        assertEquals("INVALID_CONFIG", e.code());
        assertEquals(3, e.problems().size());
    }
}
