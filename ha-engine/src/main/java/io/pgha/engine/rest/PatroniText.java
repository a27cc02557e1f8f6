package io.pgha.engine.rest;

import io.pgha.spi.ConfigSection;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How Patroni (Python) writes and reads the small values that cross the REST API: timestamps, LSNs, byte sizes,
 * query strings, tag values. Stateless.
 */
final class PatroniText {
    private static final Pattern HEX = Pattern.compile("^([-+]?)0[xX]([0-9a-fA-F]+)");
    private static final Pattern OCT = Pattern.compile("^([-+]?)0([0-7]*)");
    private static final Pattern DEC = Pattern.compile("^[-+]?(0|[1-9][0-9]*)");
    private static final Pattern DBL = Pattern.compile("^[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?");
    private static final Map<String, Long> BYTE_UNITS = Map.of("B", 1L, "kB", 1L << 10, "MB", 1L << 20, "GB",
            1L << 30, "TB", 1L << 40);
    private static final Pattern SCHEDULE = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2})(?:[T ](\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?))?\\s*(Z|z|UTC|GMT|[+-]\\d{2}(?::?\\d{2})?)?");

    private PatroniText() {
    }

    /** Python's {@code str(datetime)} in UTC: {@code 2024-08-28 19:39:26.352526+00:00} (no fraction when zero). */
    static String pythonStr(Instant t) {
        return pythonFormat(t.atOffset(ZoneOffset.UTC), ' ');
    }

    /** Python's {@code datetime.isoformat()}: {@code 2024-08-28T19:39:26+02:00}. */
    static String isoformat(OffsetDateTime t) {
        return pythonFormat(t, 'T');
    }

    private static String pythonFormat(OffsetDateTime t, char separator) {
        StringBuilder sb = new StringBuilder(32);
        sb.append(String.format("%04d-%02d-%02d%c%02d:%02d:%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                separator, t.getHour(), t.getMinute(), t.getSecond()));
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            sb.append(String.format(".%06d", micros));
        }
        int offset = t.getOffset().getTotalSeconds();
        sb.append(offset < 0 ? '-' : '+');
        offset = Math.abs(offset);
        sb.append(String.format("%02d:%02d", offset / 3600, offset / 60 % 60));
        if (offset % 60 != 0) {
            sb.append(String.format(":%02d", offset % 60));
        }
        return sb.toString();
    }

    /** PostgreSQL's textual LSN, {@code X/Y} in upper-case hex without padding. */
    static String formatLsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /**
     * Patroni's {@code parse_int(value, 'B')}: a C-style number (decimal, {@code 0x} hex, leading-zero octal, or a
     * decimal fraction) optionally followed by {@code B}, {@code kB}, {@code MB}, {@code GB} or {@code TB}
     * (case-sensitive, 1024-based). Empty when it is not one.
     */
    static OptionalLong parseBytes(String text) {
        if (text == null) {
            return OptionalLong.empty();
        }
        String v = text.strip();
        double value;
        String unit;
        Matcher m;
        if ((m = HEX.matcher(v)).find()) {
            value = parseLongOrNaN(m.group(1) + m.group(2), 16);
            unit = v.substring(m.end());
        } else if ((m = OCT.matcher(v)).find()) {
            value = m.group(2).isEmpty() ? 0 : parseLongOrNaN(m.group(1) + m.group(2), 8);
            unit = v.substring(m.end());
        } else if ((m = DEC.matcher(v)).find()) {
            value = parseLongOrNaN(m.group(), 10);
            unit = v.substring(m.end());
        } else {
            value = Double.NaN;
            unit = v;
        }
        if ((Double.isNaN(value) && unit.startsWith(".")) || (!unit.isEmpty() && ".eE".indexOf(unit.charAt(0)) >= 0)) {
            Matcher d = DBL.matcher(v);
            if (d.find()) {
                value = Double.parseDouble(d.group());
                unit = v.substring(d.end());
            }
        }
        if (Double.isNaN(value)) {
            return OptionalLong.empty();
        }
        unit = unit.strip();
        if (unit.isEmpty()) {
            return OptionalLong.of(Math.round(value));
        }
        Long multiplier = BYTE_UNITS.get(unit);
        if (multiplier == null) {
            return OptionalLong.empty();
        }
        double bytes = value * multiplier;
        if (multiplier > 1) {
            // Patroni rounds to whole units of the next smaller size (1.0001MB is 1025kB, not 1048681 B).
            long finer = multiplier >> 10;
            bytes = Math.round(bytes / finer) * (double) finer;
        }
        return OptionalLong.of(Math.round(bytes));
    }

    private static double parseLongOrNaN(String digits, int radix) {
        try {
            return Long.parseLong(digits.startsWith("+") ? digits.substring(1) : digits, radix);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /**
     * Python's {@code parse_qs}: {@code &}-separated {@code key=value} pairs, {@code +} and percent-escapes decoded,
     * pairs without {@code =} or with an empty value dropped; values in order of appearance.
     */
    static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key;
            String value;
            try {
                key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (value.isEmpty()) {
                continue;
            }
            out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    /** How a tag filter compares a tag value: strings as they are, anything else as Python's {@code str(v).lower()}. */
    static String tagText(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Boolean b) {
            return b ? "true" : "false";
        }
        return String.valueOf(v).toLowerCase();
    }

    /** Patroni's truthiness for a flag such as {@code noloadbalance} or {@code pause}. */
    static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        return ConfigSection.parseBoolean(v).orElse(false);
    }

    /** Outcome of parsing {@code scheduled_at}. */
    sealed interface Schedule {
        record At(OffsetDateTime time) implements Schedule {
        }

        record NoTimezone() implements Schedule {
        }

        record Unparsable() implements Schedule {
        }
    }

    /**
     * Parses a schedule as Patroni's (lenient) {@code dateutil} would for the usual ISO 8601 spellings: date, then
     * {@code T} or a space, time with optional seconds and fraction, then {@code Z}, {@code UTC} or an offset.
     */
    static Schedule parseSchedule(String text) {
        Matcher m = SCHEDULE.matcher(text.strip());
        if (!m.matches()) {
            return new Schedule.Unparsable();
        }
        String time = m.group(2) == null ? "00:00" : m.group(2);
        LocalDateTime local;
        try {
            local = LocalDateTime.parse(m.group(1) + "T" + time);
        } catch (DateTimeParseException e) {
            return new Schedule.Unparsable();
        }
        String zone = m.group(3);
        if (zone == null) {
            return new Schedule.NoTimezone();
        }
        ZoneOffset offset;
        if (zone.equalsIgnoreCase("Z") || zone.equals("UTC") || zone.equals("GMT")) {
            offset = ZoneOffset.UTC;
        } else {
            String digits = zone.replace(":", "");
            int hours = Integer.parseInt(digits.substring(1, 3));
            int minutes = digits.length() > 3 ? Integer.parseInt(digits.substring(3, 5)) : 0;
            try {
                offset = ZoneOffset.ofHoursMinutes(digits.charAt(0) == '-' ? -hours : hours,
                        digits.charAt(0) == '-' ? -minutes : minutes);
            } catch (java.time.DateTimeException e) {
                return new Schedule.Unparsable();
            }
        }
        return new Schedule.At(local.atOffset(offset));
    }
}
