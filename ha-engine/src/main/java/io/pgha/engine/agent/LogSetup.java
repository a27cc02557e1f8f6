package io.pgha.engine.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import io.pgha.engine.config.LogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Applies the configuration file's {@code log} section to the agent's logging, at start-up and on every reload, as
 * Patroni does: the root level, per-logger levels, and, with {@code dir}, a rotating {@code patroni.log} of
 * {@code file_size} bytes kept {@code file_num} times (plain or json, json records carrying {@code static_fields}),
 * with stack traces as {@code traceback_level} says. Without {@code dir} the agent keeps logging to stderr as
 * {@code conf/logback.xml} says.
 */
final class LogSetup {
    static final String FILE_APPENDER = "pgha-log-dir";
    private static final Map<String, String> PYTHON_TO_LOGBACK = Map.of(
            "%(asctime)s", "%d{\"yyyy-MM-dd HH:mm:ss,SSS\"}", "%(levelname)s", "%level", "%(message)s", "%msg",
            "%(name)s", "%logger", "%(process)d", "%property{PID}", "%(thread)d", "%thread",
            "%(threadName)s", "%thread", "%(module)s", "%logger{0}", "%(funcName)s", "%method", "%(lineno)d", "%line");

    private LogSetup() {
    }

    static void apply(LogConfig log) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(log.level()));
        log.loggers().forEach((name, lvl) -> context.getLogger(name).setLevel(level(lvl)));
        var previous = root.getAppender(FILE_APPENDER);
        if (previous != null) {
            root.detachAppender(previous);
            previous.stop();
        }
        log.dir().ifPresent(dir -> root.addAppender(fileAppender(context, log, Path.of(dir))));
    }

    private static RollingFileAppender<ILoggingEvent> fileAppender(LoggerContext context, LogConfig log, Path dir) {
        Path file = dir.resolve("patroni.log");
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName(FILE_APPENDER);
        appender.setFile(file.toString());
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(appender);
        rolling.setFileNamePattern(file + ".%i");
        rolling.setMinIndex(1);
        rolling.setMaxIndex(Math.max(1, log.fileNum().orElse(4)));
        rolling.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(new FileSize(log.fileSize().orElse(25_000_000L)));
        trigger.start();
        appender.setRollingPolicy(rolling);
        appender.setTriggeringPolicy(trigger);
        appender.setEncoder(encoder(context, log));
        appender.start();
        log.mode().ifPresent(mode -> permissions(file, mode));
        return appender;
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogConfig log) {
        boolean tracebacks = showsTracebacks(log);
        if (log.type().equals("json")) {
            JsonEncoder json = new StaticFieldsJsonEncoder(log.staticFields());
            json.setWithThrowable(tracebacks);
            json.setContext(context);
            json.start();
            return json;
        }
        PatternLayoutEncoder pattern = new PatternLayoutEncoder();
        pattern.setContext(context);
        pattern.setPattern(pattern(log.format().filter(String.class::isInstance).map(String.class::cast)
                .orElse("%(asctime)s %(levelname)s: %(message)s")) + (tracebacks ? "" : "%nopex") + "%n");
        pattern.start();
        return pattern;
    }

    /**
     * Patroni's {@code traceback_level}: at {@code DEBUG}, stack traces are written only when the log level is
     * {@code DEBUG} as well; at {@code ERROR} (the default) always.
     */
    static boolean showsTracebacks(LogConfig log) {
        return !log.tracebackLevel().filter("DEBUG"::equals).isPresent() || log.level().equals("DEBUG");
    }

    /** Patroni's Python logging format, in logback's pattern language. */
    static String pattern(String python) {
        String out = python;
        for (var e : PYTHON_TO_LOGBACK.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    private static Level level(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "WARNING" -> Level.WARN;
            case "CRITICAL", "FATAL" -> Level.ERROR;
            default -> Level.toLevel(name, Level.INFO);
        };
    }

    private static void permissions(Path file, int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        try {
            Files.setPosixFilePermissions(file, perms);
        } catch (Exception e) {
            LoggerFactory.getLogger(LogSetup.class).warn("cannot set the mode of {}: {}", file, e.getMessage());
        }
    }
}
