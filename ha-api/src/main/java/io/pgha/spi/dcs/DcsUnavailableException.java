package io.pgha.spi.dcs;

import io.pgha.spi.PghaException;

/**
 * The store could not be reached, or did not answer, within the retry timeout. The operation may or may not have
 * taken effect. This is the only exception a {@link DcsClient} operation throws for store trouble; losing a
 * compare-and-set or a leader race is a normal {@code false} return instead.
 *
 * @since 1.0
 */
public final class DcsUnavailableException extends PghaException {
    private static final long serialVersionUID = 1L;

    public DcsUnavailableException(String message) {
        super("DCS_UNAVAILABLE", message);
    }

    public DcsUnavailableException(String message, Throwable cause) {
        super("DCS_UNAVAILABLE", message, cause);
    }
}
