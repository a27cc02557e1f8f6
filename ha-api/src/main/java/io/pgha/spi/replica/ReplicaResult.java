package io.pgha.spi.replica;

import java.util.Objects;

/**
 * How a replica-creation run ended.
 *
 * @since 1.0
 */
public sealed interface ReplicaResult {

    /** The data directory is ready. */
    record Created() implements ReplicaResult {
    }

    /**
     * It did not work.
     *
     * @param reason one line for the operator, with the tail of the program's output where useful
     * @param retryable whether trying again later may succeed (a source that is not reachable yet) as opposed to a
     *        configuration mistake that will fail the same way
     */
    record Failed(String reason, boolean retryable) implements ReplicaResult {
        public Failed {
            Objects.requireNonNull(reason, "reason is null");
        }
    }

    static ReplicaResult created() {
        return new Created();
    }

    static ReplicaResult failed(String reason, boolean retryable) {
        return new Failed(reason, retryable);
    }

    default boolean succeeded() {
        return this instanceof Created;
    }
}
