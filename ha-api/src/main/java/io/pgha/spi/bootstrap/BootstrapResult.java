package io.pgha.spi.bootstrap;

import java.util.Map;
import java.util.Objects;

/**
 * How a bootstrap run ended.
 *
 * @since 1.0
 */
public sealed interface BootstrapResult {

    /**
     * The data directory exists.
     *
     * @param recoverySettings recovery parameters to start with ({@code restore_command},
     *        {@code recovery_target_time}, ...) when the new cluster must first replay WAL, as after a point-in-time
     *        restore; empty for a fresh initdb. The engine writes them and waits for promotion.
     * @param keepExistingRecoveryConfiguration whether recovery settings the method left in the directory stay
     */
    record Created(Map<String, String> recoverySettings, boolean keepExistingRecoveryConfiguration)
            implements BootstrapResult {
        public Created {
            recoverySettings = Map.copyOf(recoverySettings);
        }
    }

    /**
     * It did not work.
     *
     * @param reason one line for the operator, with the tail of the program's output where useful
     */
    record Failed(String reason) implements BootstrapResult {
        public Failed {
            Objects.requireNonNull(reason, "reason is null");
        }
    }

    default boolean succeeded() {
        return this instanceof Created;
    }
}
