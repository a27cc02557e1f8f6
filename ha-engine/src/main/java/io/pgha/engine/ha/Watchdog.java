package io.pgha.engine.ha;

import java.time.Duration;
import java.util.Optional;

/**
 * A kernel watchdog, as Patroni's {@code watchdog} section has it: armed before this member runs as a writable
 * primary, kicked with every lock refresh, disarmed when it stops being one. If the agent stops kicking it (killed,
 * frozen, the whole host hung) the kernel resets the machine before the lock can expire.
 */
public interface Watchdog {
    /** {@code watchdog.mode: off}, or no device in automatic mode: nothing to arm. */
    Watchdog NONE = new Watchdog() {
        @Override
        public boolean required() {
            return false;
        }

        @Override
        public Optional<String> unusable(Duration ttl) {
            return Optional.of("no watchdog is configured");
        }

        @Override
        public Optional<String> arm(Duration ttl) {
            return Optional.of("no watchdog is configured");
        }

        @Override
        public void keepalive() {
        }

        @Override
        public void disarm() {
        }

        @Override
        public boolean armed() {
            return false;
        }
    };

    /** Whether leadership needs it ({@code watchdog.mode: required}). */
    boolean required();

    /** Why it could not be armed for a lock of {@code ttl}, without arming it; empty when it could. */
    Optional<String> unusable(Duration ttl);

    /**
     * Arms it (when not armed) to fire {@code ttl - safety_margin} after the last keepalive.
     *
     * @return why it could not be armed; empty when it is armed
     */
    Optional<String> arm(Duration ttl);

    /** Pushes the firing back by its timeout; nothing when not armed. */
    void keepalive();

    /** Stops it from firing (the magic close); nothing when not armed. */
    void disarm();

    boolean armed();
}
