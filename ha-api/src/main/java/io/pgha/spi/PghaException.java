package io.pgha.spi;

import java.util.Objects;

/**
 * Base of every exception pgha and its plugins throw across the SPI boundary.
 *
 * <p>Unchecked, and carrying a stable {@link #code()} (such as {@code DCS_UNAVAILABLE}) that callers, logs and the
 * REST API may rely on, while the message is for people and may change.
 *
 * @since 1.0
 */
public class PghaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public PghaException(String code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code is null");
    }

    public PghaException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code is null");
    }

    /** A stable, upper-case identifier of the kind of failure. */
    public String code() {
        return code;
    }
}
