package io.pgha.engine.ha;

import io.pgha.spi.PghaException;

/** A PostgreSQL operation failed; the message is one line for the operator. */
public class DatabaseException extends PghaException {
    private static final long serialVersionUID = 1L;

    public DatabaseException(String message) {
        super("POSTGRES_FAILED", message);
    }

    public DatabaseException(String message, Throwable cause) {
        super("POSTGRES_FAILED", message, cause);
    }
}
