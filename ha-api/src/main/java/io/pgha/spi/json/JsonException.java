package io.pgha.spi.json;

import io.pgha.spi.PghaException;

/**
 * Text that is not valid JSON, or a value that cannot be written as JSON. The message says where.
 *
 * @since 1.0
 */
public final class JsonException extends PghaException {
    private static final long serialVersionUID = 1L;

    public JsonException(String message) {
        super("INVALID_JSON", message);
    }
}
