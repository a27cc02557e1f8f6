package io.pgha.engine.postgres;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What a postmaster is started (or reconfigured) as: it decides the signal files and recovery parameters. */
public sealed interface ServerRole {

    /** Read-write: no {@code standby.signal} or {@code recovery.signal}, no recovery parameters. */
    record Primary() implements ServerRole {
    }

    /**
     * A standby ({@code standby.signal}), streaming from {@code source} when present (a standby with no source
     * replays what {@code restore_command} gives, or waits read-only), on the latest timeline.
     *
     * @param source where to stream from
     * @param recoveryParameters extra recovery GUCs ({@code restore_command}, {@code archive_cleanup_command},
     *        {@code recovery_min_apply_delay}, ...)
     */
    record Standby(Optional<ReplicationSource> source, Map<String, String> recoveryParameters) implements ServerRole {
        public Standby {
            Objects.requireNonNull(source, "source is null");
            recoveryParameters = Map.copyOf(recoveryParameters);
        }
    }

    /**
     * Targeted archive recovery ({@code recovery.signal}) that ends in promotion, as after a point-in-time restore by
     * a custom bootstrap.
     */
    record ArchiveRecovery(Map<String, String> recoveryParameters) implements ServerRole {
        public ArchiveRecovery {
            recoveryParameters = Map.copyOf(recoveryParameters);
        }
    }

    static Primary primary() {
        return new Primary();
    }

    static Standby standby(ReplicationSource source) {
        return new Standby(Optional.of(source), Map.of());
    }

    /** A standby with no upstream (Patroni's "offline" demotion). */
    static Standby standbyWithoutSource() {
        return new Standby(Optional.empty(), Map.of());
    }
}
