package io.pgha.engine.config;

import java.util.Objects;

/**
 * A password or other credential from the configuration. {@link #toString()} never shows it, so records that hold
 * secrets can be logged as they are; call {@link #value()} only where the credential is actually used.
 *
 * @param value the secret text
 */
public record Secret(String value) {
    /** What {@link #toString()} and masked configuration dumps show instead of a secret. */
    public static final String MASK = "******";

    public Secret {
        Objects.requireNonNull(value, "value is null");
    }

    @Override
    public String toString() {
        return MASK;
    }
}
