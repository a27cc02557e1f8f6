package io.pgha.engine.postgres;

/**
 * PostgreSQL's shutdown modes, in escalation order: each is the signal {@code pg_ctl stop -m} would send.
 * SIGKILL comes after {@link #IMMEDIATE} when even that does not end the postmaster.
 */
public enum StopMode {
    /** SIGTERM: no new sessions, wait for the open ones to end, checkpoint. */
    SMART(UnixSignal.TERM),
    /** SIGINT: roll back open transactions, checkpoint, exit. A clean shutdown. */
    FAST(UnixSignal.INT),
    /** SIGQUIT: exit at once without a checkpoint; crash recovery on the next start. */
    IMMEDIATE(UnixSignal.QUIT);

    private final UnixSignal signal;

    StopMode(UnixSignal signal) {
        this.signal = signal;
    }

    UnixSignal signal() {
        return signal;
    }
}
