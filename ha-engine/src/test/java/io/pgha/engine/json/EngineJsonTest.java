package io.pgha.engine.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.json.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The engine's JSON (Jackson) reads and writes exactly what the ha-api codec did, so no wire format moves. */
class EngineJsonTest {

    private enum Role { PRIMARY }

    @Test
    @DisplayName("writes every kind of tree value byte for byte as the ha-api codec does")
    void writesAsTheCodec() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("state", "running");
        doc.put("role", Role.PRIMARY);
        doc.put("timeline", 3L);
        doc.put("int", 7);
        doc.put("big", new BigInteger("123456789012345678901234567890"));
        doc.put("decimal", new BigDecimal("1.50"));
        doc.put("whole", 10_000_000.0);
        doc.put("negzero", -0.0);
        doc.put("huge", 1e20);
        doc.put("fraction", 0.1);
        doc.put("float", 2.5f);
        doc.put("flag", true);
        doc.put("nothing", null);
        doc.put("text", "quote \" backslash \\ newline \n tab \t bell \u0007 unit \u001f é ✓ / <script>");
        doc.put("list", List.of(1L, "two", List.of(), Map.of()));
        doc.put("nested", Map.of("k", List.of(Map.of("x", 1.25))));
        assertEquals(Json.write(doc), EngineJson.write(doc));
        List<Object> iterable = new ArrayList<>(List.of("a", 1L));
        assertEquals(Json.write(iterable), EngineJson.write(iterable));
    }

    @Test
    @DisplayName("parses into the codec's value types: Long, BigInteger beyond 64 bits, Double, ordered maps")
    void parsesAsTheCodec() {
        String text = "{\"z\":1,\"a\":9223372036854775808,\"m\":1.5,\"e\":1e3,\"s\":\"x\\u00e9\",\"n\":null,"
                + "\"l\":[true,false],\"o\":{}}";
        Object ours = EngineJson.parse(text);
        assertEquals(Json.parse(text), ours);
        Map<?, ?> m = (Map<?, ?>) ours;
        assertInstanceOf(Long.class, m.get("z"));
        assertInstanceOf(BigInteger.class, m.get("a"));
        assertInstanceOf(Double.class, m.get("e"));
        assertEquals(List.of("z", "a", "m", "e", "s", "n", "l", "o"), List.copyOf(m.keySet()));
    }

    @Test
    @DisplayName("refuses what the codec refused: trailing text, deep nesting, bare words, NaN on writing")
    void refuses() {
        MalformedJsonException trailing = assertThrows(MalformedJsonException.class,
                () -> EngineJson.parse("{\"a\":1} x"));
        assertTrue(trailing.getMessage().startsWith("invalid JSON at line 1, column "), trailing.getMessage());
        assertThrows(MalformedJsonException.class, () -> EngineJson.parse("[".repeat(EngineJson.MAX_DEPTH + 2)
                + "]".repeat(EngineJson.MAX_DEPTH + 2)));
        assertEquals(1, ((List<?>) EngineJson.parse("[".repeat(EngineJson.MAX_DEPTH) + "]".repeat(EngineJson.MAX_DEPTH)))
                .size());
        assertThrows(MalformedJsonException.class, () -> EngineJson.parse("<html>"));
        assertThrows(MalformedJsonException.class, () -> EngineJson.parse(""));
        MalformedJsonException notObject = assertThrows(MalformedJsonException.class,
                () -> EngineJson.parseObject("[1]"));
        assertEquals("expected a JSON object, got an array", notObject.getMessage());
        assertThrows(MalformedJsonException.class, () -> EngineJson.write(Map.of("x", Double.NaN)));
        assertThrows(MalformedJsonException.class, () -> EngineJson.write(List.of(Double.POSITIVE_INFINITY)));
    }
}
