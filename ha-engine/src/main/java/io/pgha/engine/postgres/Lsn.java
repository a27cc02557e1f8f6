package io.pgha.engine.postgres;

import java.util.Locale;

/**
 * A WAL position (log sequence number). PostgreSQL writes it as two hexadecimal halves, {@code 0/3000028}; Patroni's
 * DCS values use the absolute byte offset, which is {@link #value()}.
 *
 * @param value the byte offset, compared as an unsigned 64-bit number
 */
public record Lsn(long value) implements Comparable<Lsn> {

    public static final Lsn ZERO = new Lsn(0);

    /**
     * Parses PostgreSQL's {@code X/Y} form.
     *
     * @throws IllegalArgumentException when {@code text} is not in that form
     */
    public static Lsn parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        if (slash <= 0 || slash == t.length() - 1 || t.length() > 17) {
            throw new IllegalArgumentException("not a WAL position (expected hex/hex such as 0/3000028): '" + text + "'");
        }
        try {
            long high = Long.parseLong(t.substring(0, slash), 16);
            long low = Long.parseLong(t.substring(slash + 1), 16);
            if (high > 0xFFFF_FFFFL || low > 0xFFFF_FFFFL || high < 0 || low < 0) {
                throw new NumberFormatException("half out of range");
            }
            return new Lsn(high << 32 | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a WAL position (expected hex/hex such as 0/3000028): '" + text + "'", e);
        }
    }

    public boolean isZero() {
        return value == 0;
    }

    /** Bytes from {@code other} to this position; negative when this one is behind. */
    public long minus(Lsn other) {
        return value - other.value;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    /** PostgreSQL's {@code X/Y} form, upper-case hexadecimal as {@code pg_lsn} prints it. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFF_FFFFL);
    }
}
