package io.pgha.engine.postgres;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a stop went.
 *
 * @param wasRunning whether a postmaster was running at all
 * @param finalMode the last mode used ({@code empty} when nothing ran or it had to be SIGKILLed)
 * @param killed whether it took SIGKILL
 * @param took how long it took
 */
public record StopResult(boolean wasRunning, Optional<StopMode> finalMode, boolean killed, Duration took) {
    public StopResult {
        Objects.requireNonNull(finalMode, "finalMode is null");
        Objects.requireNonNull(took, "took is null");
    }

    static StopResult notRunning() {
        return new StopResult(false, Optional.empty(), false, Duration.ZERO);
    }

    /** Whether it had to use a harder mode than asked for. */
    public boolean escalated(StopMode requested) {
        return killed || finalMode.map(m -> m != requested).orElse(false);
    }
}
