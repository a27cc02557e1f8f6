package io.pgha.engine.postgres;

import io.pgha.spi.PghaException;

/**
 * A PostgreSQL operation failed. The {@link #code()} says what kind of failure (one of the constants here), the
 * message is one line for the operator and ends with the tail of the program's output where there is one.
 */
public class PostgresException extends PghaException {
    private static final long serialVersionUID = 1L;

    /** The OS user PostgreSQL must run as does not exist (the agent runs as root). */
    public static final String DATABASE_USER_MISSING = "DATABASE_USER_MISSING";
    /** A PostgreSQL program (postgres, initdb, pg_rewind, ...) is not where the configuration says. */
    public static final String BINARY_MISSING = "POSTGRES_BINARY_MISSING";
    /** pg_controldata failed or printed something pgha does not understand. */
    public static final String CONTROLDATA_UNREADABLE = "PG_CONTROLDATA_UNREADABLE";
    /** No connection to PostgreSQL (not running, not accepting connections, authentication refused, timeout). */
    public static final String UNAVAILABLE = "POSTGRES_UNAVAILABLE";
    /** Connected, but a statement failed or timed out. */
    public static final String QUERY_FAILED = "POSTGRES_QUERY_FAILED";
    /** The postmaster could not be started (another one runs on the directory, the program is missing, ...). */
    public static final String START_FAILED = "POSTGRES_START_FAILED";
    /** The postmaster did not go away, even after SIGKILL. */
    public static final String STOP_FAILED = "POSTGRES_STOP_FAILED";
    /** An operation needs a running postmaster and there is none. */
    public static final String NOT_RUNNING = "POSTGRES_NOT_RUNNING";
    /** An operation needs PostgreSQL stopped and it runs. */
    public static final String RUNNING = "POSTGRES_RUNNING";
    /** Promotion failed or did not finish in time. */
    public static final String PROMOTE_FAILED = "POSTGRES_PROMOTE_FAILED";
    /** Single-user crash recovery failed. */
    public static final String CRASH_RECOVERY_FAILED = "POSTGRES_CRASH_RECOVERY_FAILED";
    /** Writing PostgreSQL's configuration files, the pgpass file or the data directory failed. */
    public static final String FILE_ERROR = "POSTGRES_FILE_ERROR";
    /** A parameter name, value or configuration line that cannot be written into PostgreSQL's files. */
    public static final String INVALID_CONFIGURATION = "POSTGRES_INVALID_CONFIGURATION";
    /** Bootstrap or post-bootstrap failed. */
    public static final String BOOTSTRAP_FAILED = "POSTGRES_BOOTSTRAP_FAILED";

    public PostgresException(String code, String message) {
        super(code, message);
    }

    public PostgresException(String code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
