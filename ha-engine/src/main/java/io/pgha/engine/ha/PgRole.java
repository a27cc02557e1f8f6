package io.pgha.engine.ha;

/** The local PostgreSQL's role, as it reports it (not as the DCS says it should be). */
public enum PgRole {
    /** Not in recovery: accepts writes. */
    PRIMARY,
    /** In recovery: a standby. */
    REPLICA,
    /** Not running, or could not be asked. */
    UNKNOWN
}
