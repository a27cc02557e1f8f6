package io.pgha.engine.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's JSON: parsing into plain trees ({@code Map<String, Object>} in document order, {@code List},
 * {@code String}, {@code Long} or {@code BigInteger}, {@code Double}, {@code Boolean}, {@code null}) and writing such
 * trees compactly. Thread-safe.
 *
 * <p>What is written is byte for byte what pgha has always written (the Patroni-compatible REST answers and
 * {@code pghactl -f json} output): whole doubles below 1e15 as {@code 10000000.0} rather than Jackson's
 * {@code 1.0E7}, and NaN or infinities refused rather than written as strings. Parsing refuses trailing text and
 * documents nested deeper than {@link #MAX_DEPTH}, as before.
 */
public final class EngineJson {
    /** Deepest nesting accepted by {@link #parse}. */
    public static final int MAX_DEPTH = 64;

    private static final ObjectMapper MAPPER = JsonMapper.builder(factory())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .addModule(new SimpleModule("pgha-numbers")
                    .addSerializer(Double.class, new DoubleText())
                    .addSerializer(double.class, new DoubleText())
                    .addSerializer(Float.class, new FloatText())
                    .addSerializer(float.class, new FloatText()))
            .build();

    private EngineJson() {
    }

    private static JsonFactory factory() {
        JsonFactoryBuilder b = new JsonFactoryBuilder();
        b.streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
        b.characterEscapes(new LowerCaseEscapes());
        return b.build();
    }

    /**
     * Parses one JSON value that makes up the whole of {@code text}.
     *
     * @throws MalformedJsonException naming where the first error is
     */
    public static Object parse(String text) {
        try {
            return plain(MAPPER.readTree(text));
        } catch (JsonProcessingException e) {
            throw malformed(e);
        }
    }

    /** Jackson's tree as plain values, with every integer that fits in 64 bits a {@code Long}. */
    private static Object plain(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            throw new MalformedJsonException("invalid JSON: no value");
        }
        if (n.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            n.properties().forEach(e -> out.put(e.getKey(), plain(e.getValue())));
            return out;
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            n.forEach(item -> out.add(plain(item)));
            return out;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isNull()) {
            return null;
        }
        throw new MalformedJsonException("invalid JSON: unexpected " + n.getNodeType());
    }

    /**
     * Parses a JSON object.
     *
     * @throws MalformedJsonException when the text is not JSON or not an object
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new MalformedJsonException("expected a JSON object, got " + kind(v));
        }
        return (Map<String, Object>) v;
    }

    /**
     * Writes a tree (maps, iterables, strings, numbers, booleans, enums by name, null) as compact JSON.
     *
     * @throws MalformedJsonException for a value JSON cannot hold (NaN, an infinity)
     */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new MalformedJsonException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The JSON kind of a parsed value, for error messages. */
    public static String kind(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof java.util.List) {
            return "an array";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Number) {
            return "a number";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        return v.getClass().getSimpleName();
    }

    private static MalformedJsonException malformed(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        // Jackson's first line says what is wrong; the rest quotes the source, which error answers need not repeat
        String what = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("malformed");
        return new MalformedJsonException("invalid JSON" + where + ": " + what, e);
    }

    /** Control characters without a short escape as {@code \\u001f}: lower-case hex, as pgha always wrote them. */
    private static final class LowerCaseEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] codes = standardAsciiEscapesForJSON();

        LowerCaseEscapes() {
            for (int c = 0; c < 0x20; c++) {
                if (codes[c] == ESCAPE_STANDARD) {
                    codes[c] = ESCAPE_CUSTOM;
                }
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return codes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            // null: written as it is (everything from U+0020 on, including non-ASCII)
            return ch < 0x20 ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    /** Whole doubles below 1e15 as {@code 123.0}, others as {@link Double#toString}; NaN and infinities refused. */
    private static final class DoubleText extends JsonSerializer<Double> {
        @Override
        public void serialize(Double d, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            if (d.isNaN() || d.isInfinite()) {
                throw new com.fasterxml.jackson.databind.JsonMappingException(gen, "cannot write " + d + " as JSON");
            }
            gen.writeNumber(d == Math.rint(d) && Math.abs(d) < 1e15 ? d.longValue() + ".0" : d.toString());
        }
    }

    private static final class FloatText extends JsonSerializer<Float> {
        @Override
        public void serialize(Float f, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            new DoubleText().serialize(f.doubleValue(), gen, serializers);
        }
    }
}
