package io.pgha.dcs.consul.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Consul reads and writes them: Go's {@code time.Duration} text ({@code 15s}, {@code 1m30s}, {@code 500ms}). */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private GoDuration() {
    }

    /** Whole seconds when exact ({@code 15s}), else milliseconds ({@code 2500ms}); Go parses both. */
    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** Go's text form as Consul's agent prints it; empty when {@code text} is not one. */
    static Optional<Duration> parse(String text) {
        String s = text.trim();
        if (s.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = PART.matcher(s);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                return Optional.empty();
            }
            BigDecimal unit = switch (m.group(2)) {
                case "ns" -> BigDecimal.ONE;
                case "us", "µs" -> BigDecimal.valueOf(1_000L);
                case "ms" -> BigDecimal.valueOf(1_000_000L);
                case "s" -> BigDecimal.valueOf(1_000_000_000L);
                case "m" -> BigDecimal.valueOf(60_000_000_000L);
                default -> BigDecimal.valueOf(3_600_000_000_000L);
            };
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(unit));
            at = m.end();
        }
        return at == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos.longValue()));
    }
}
