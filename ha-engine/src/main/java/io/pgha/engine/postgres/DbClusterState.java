package io.pgha.engine.postgres;

import java.util.Locale;

/** pg_control's "Database cluster state": what the data directory was doing when pg_control was last written. */
public enum DbClusterState {
    STARTING_UP("starting up"),
    SHUT_DOWN("shut down"),
    SHUT_DOWN_IN_RECOVERY("shut down in recovery"),
    SHUTTING_DOWN("shutting down"),
    IN_CRASH_RECOVERY("in crash recovery"),
    IN_ARCHIVE_RECOVERY("in archive recovery"),
    IN_PRODUCTION("in production"),
    /** A value this version does not know (a newer PostgreSQL, or a translated pg_controldata). */
    UNKNOWN("unrecognized status code");

    private final String text;

    DbClusterState(String text) {
        this.text = text;
    }

    /** The words pg_controldata prints, which Patroni also uses. */
    public String text() {
        return text;
    }

    public static DbClusterState fromText(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (DbClusterState s : values()) {
            if (s.text.equals(t)) {
                return s;
            }
        }
        return UNKNOWN;
    }

    /** Shut down with a final checkpoint: the directory can be rewound or follow another timeline as it is. */
    public boolean isCleanShutdown() {
        return this == SHUT_DOWN || this == SHUT_DOWN_IN_RECOVERY;
    }

    /**
     * A primary that stopped without its shutdown checkpoint (crash, kill -9, immediate stop): before its position can
     * be compared with another member's history or it can be rewound, crash recovery must run (as Patroni does for
     * {@code in production}, {@code shutting down} and {@code in crash recovery}). A standby that crashed
     * ({@code in archive recovery}) is left alone: it resumes recovery when started as a standby again.
     */
    public boolean needsCrashRecovery() {
        return this == IN_PRODUCTION || this == SHUTTING_DOWN || this == IN_CRASH_RECOVERY;
    }

    /** Whether the directory was, when last written, a standby (its position is the minimum recovery point). */
    public boolean wasInRecovery() {
        return this == SHUT_DOWN_IN_RECOVERY || this == IN_ARCHIVE_RECOVERY;
    }
}
