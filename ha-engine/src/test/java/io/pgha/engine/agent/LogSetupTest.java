package io.pgha.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.pgha.engine.config.LogConfig;
import io.pgha.spi.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The log section's file settings reach the records written to {@code <dir>/patroni.log}. */
class LogSetupTest {
    @TempDir
    Path dir;

    private final Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory())
            .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level levelBefore = root.getLevel();

    @AfterEach
    void restore() {
        // detaches the file appender again
        LogSetup.apply(config("plain", "INFO", Optional.empty(), Map.of(), Optional.empty()));
        root.setLevel(levelBefore);
    }

    private static LogConfig config(String type, String level, Optional<String> traceback, Map<String, Object> fields,
            Optional<String> dir) {
        return new LogConfig(type, level, traceback, Optional.empty(), Optional.empty(), fields, 1000, dir,
                Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), false);
    }

    private List<String> logLines() throws IOException {
        return Files.readAllLines(dir.resolve("patroni.log"), StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("static_fields are top-level members of every json record")
    void staticFieldsInJsonRecords() throws IOException {
        LogSetup.apply(config("json", "INFO", Optional.empty(), Map.of("dc", "eu1", "rack", 7), Optional.of(dir.toString())));
        LoggerFactory.getLogger("pgha.test").info("first");
        LoggerFactory.getLogger("pgha.test").warn("second");
        List<String> lines = logLines();
        assertEquals(2, lines.size(), lines.toString());
        for (String line : lines) {
            Map<String, Object> record = Json.parseObject(line);
            assertEquals("eu1", record.get("dc"), line);
            assertEquals(7L, ((Number) record.get("rack")).longValue(), line);
            assertTrue(String.valueOf(record.get("message")).matches("first|second"), line);
        }
    }

    @Test
    @DisplayName("traceback_level DEBUG leaves stack traces out unless the level is DEBUG")
    void tracebackLevel() throws IOException {
        LogSetup.apply(config("plain", "INFO", Optional.of("DEBUG"), Map.of(), Optional.of(dir.toString())));
        LoggerFactory.getLogger("pgha.test").error("failed once", new IllegalStateException("boom"));
        String quiet = String.join("\n", logLines());
        assertTrue(quiet.contains("failed once"), quiet);
        assertFalse(quiet.contains("IllegalStateException"), quiet);

        LogSetup.apply(config("plain", "INFO", Optional.of("ERROR"), Map.of(), Optional.of(dir.toString())));
        LoggerFactory.getLogger("pgha.test").error("failed twice", new IllegalStateException("boom"));
        String loud = String.join("\n", logLines());
        assertTrue(loud.contains("java.lang.IllegalStateException: boom"), loud);

        assertTrue(LogSetup.showsTracebacks(config("json", "DEBUG", Optional.of("DEBUG"), Map.of(), Optional.empty())));
        assertFalse(LogSetup.showsTracebacks(config("json", "INFO", Optional.of("DEBUG"), Map.of(), Optional.empty())));
        assertTrue(LogSetup.showsTracebacks(config("json", "INFO", Optional.empty(), Map.of(), Optional.empty())));
    }
}
