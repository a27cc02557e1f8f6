package io.pgha.engine.journal;

import java.util.Locale;

/** PostgreSQL's {@code X/Y} text of a WAL position, as an operator reads it in {@code pg_stat_replication}. */
final class Lsns {
    private Lsns() {
    }

    static String text(long lsn) {
        return String.format(Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFF_FFFFL);
    }
}
