package io.pgha.engine.postgres;

import java.util.Objects;

/**
 * A parameter changed in the configuration files that only takes effect after a restart (Patroni's
 * {@code pending_restart_reason} entry).
 *
 * @param oldValue the value the server runs with ({@code current_setting})
 * @param newValue the value in the files
 */
public record PendingChange(String oldValue, String newValue) {
    public PendingChange {
        Objects.requireNonNull(oldValue, "oldValue is null");
        Objects.requireNonNull(newValue, "newValue is null");
    }
}
