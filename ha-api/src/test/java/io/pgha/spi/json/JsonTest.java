package io.pgha.spi.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void roundTripsCompactly() {
        String text = "{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\",\"xlog_location\":50331808,"
                + "\"tags\":{\"nofailover\":false,\"zone\":\"a\"},\"lag\":1.5,\"x\":null,\"l\":[1,\"two\",[]],"
                + "\"esc\":\"q\\\"\\\\\\n\\u0001\"}";
        Object parsed = Json.parse(text);
        assertEquals(text, Json.write(parsed));
        Map<?, ?> m = (Map<?, ?>) parsed;
        assertEquals(50331808L, m.get("xlog_location"));
        assertEquals("q\"\\\n\u0001", m.get("esc"));
    }

    @Test
    void bigIntegersSurvive() {
        assertEquals(new BigInteger("18446744073709551615"), Json.parse("18446744073709551615"));
        assertEquals(-7L, Json.parse(" -7 "));
    }

    @Test
    void preservesInsertionOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", List.of());
        assertEquals("{\"z\":1,\"a\":[]}", Json.write(m));
    }

    @Test
    void rejectsInvalidTextWithOffset() {
        for (String bad : List.of("", "{", "{\"a\":}", "[1,]", "tru", "{\"a\":1}x", "\"abc", "{a:1}", "01x", "\"\t\"")) {
            JsonException e = assertThrows(JsonException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("invalid JSON at offset"), e.getMessage());
        }
    }

    @Test
    void refusesHostileNesting() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nested deeper"));
    }

    @Test
    void parseObjectRequiresAnObject() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parseObject("[1]"));
        assertEquals("expected a JSON object, got an array", e.getMessage());
    }
}
