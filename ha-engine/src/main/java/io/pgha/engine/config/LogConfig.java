package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code log} section.
 *
 * @param type {@code plain} or {@code json}
 * @param level the root level, upper case ({@code INFO} by default)
 * @param tracebackLevel level at which stack traces are logged ({@code DEBUG} or {@code ERROR})
 * @param format a pattern (plain) or, for json, a list of field names or renames; unmodifiable
 * @param dateformat date pattern
 * @param staticFields fields added to every json record
 * @param maxQueueSize records buffered before dropping (1000)
 * @param dir directory of log files; logs go to stderr when absent
 * @param fileNum number of rotated files to keep
 * @param fileSize size in bytes at which files rotate
 * @param mode file permissions (e.g. 0600 = 384)
 * @param loggers per-logger levels
 * @param deduplicateHeartbeatLogs log an unchanged HA-loop message only once
 */
public record LogConfig(String type, String level, Optional<String> tracebackLevel, Optional<Object> format,
        Optional<String> dateformat, Map<String, Object> staticFields, int maxQueueSize, Optional<String> dir,
        Optional<Integer> fileNum, Optional<Long> fileSize, Optional<Integer> mode, Map<String, String> loggers,
        boolean deduplicateHeartbeatLogs) {

    static final Set<String> KEYS = Set.of("type", "level", "traceback_level", "format", "dateformat", "static_fields",
            "max_queue_size", "dir", "file_num", "file_size", "mode", "loggers", "deduplicate_heartbeat_logs");
    static final List<String> LEVELS = List.of("DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL");

    public LogConfig {
        staticFields = Trees.frozenMap(staticFields);
        loggers = Map.copyOf(loggers);
    }

    static LogConfig read(ConfigSection root, List<ConfigProblem> problems) {
        ConfigSection s = root.section("log", problems);
        s.warnUnknownKeys(KEYS, problems);
        String type = Fields.oneOf(s, "type", List.of("plain", "json"), problems).orElse("plain");
        String level = Fields.oneOf(s, "level", LEVELS, problems).orElse("INFO");
        Optional<String> traceback = Fields.oneOf(s, "traceback_level", List.of("DEBUG", "ERROR"), problems);
        Object format = s.raw("format");
        if (format != null && !(format instanceof String) && !(format instanceof List<?> l && !l.isEmpty())) {
            problems.add(ConfigProblem.error(s.pathOf("format"), "got " + ConfigSection.describe(format)
                    + ": expected a format string, or for json logs a non-empty list of field names"));
            format = null;
        }
        Map<String, String> loggers = new LinkedHashMap<>();
        Fields.scalarMap(s, "loggers", false, problems).forEach((name, lvl) -> {
            String upper = lvl.toUpperCase(Locale.ROOT);
            if (LEVELS.contains(upper)) {
                loggers.put(name, upper);
            } else {
                problems.add(ConfigProblem.error(s.pathOf("loggers") + "." + name,
                        "got the text '" + lvl + "': expected one of " + String.join(", ", LEVELS)));
            }
        });
        Optional<Long> mode = s.integer("mode", problems);
        if (mode.isPresent() && (mode.get() < 0 || mode.get() > 511)) {
            problems.add(ConfigProblem.error(s.pathOf("mode"), "got " + mode.get()
                    + ": expected file permissions from 0 to 0777 (write them in octal, e.g. 0600)"));
            mode = Optional.empty();
        }
        return new LogConfig(type, level, traceback, Optional.ofNullable(Trees.frozen(format)),
                Fields.text(s, "dateformat", problems), Fields.rawMap(s, "static_fields", problems),
                (int) Fields.atLeast(s, "max_queue_size", 1000, 1, problems), Fields.text(s, "dir", problems),
                s.integer("file_num", problems).map(Long::intValue), s.integer("file_size", problems),
                mode.map(Long::intValue), loggers, s.bool("deduplicate_heartbeat_logs", false, problems));
    }
}
