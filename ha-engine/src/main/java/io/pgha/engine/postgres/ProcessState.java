package io.pgha.engine.postgres;

/**
 * What the local postmaster is doing, as the agent knows it.
 *
 * <pre>
 * STOPPED --start--> STARTING --ready--> RUNNING --stop--> STOPPING --gone--> STOPPED
 *                        |                  |
 *                        +--exit--> START_FAILED   +--exit without stop--> CRASHED
 * </pre>
 */
public enum ProcessState {
    /** Not running, and the agent did not start it (or stopped it on purpose). */
    STOPPED("stopped"),
    /** Started, not yet accepting connections. */
    STARTING("starting"),
    /** Accepting connections (read-write, or read-only as a hot standby). */
    RUNNING("running"),
    /** Being shut down by the agent. */
    STOPPING("stopping"),
    /** It died without being asked to (crash, kill -9, OOM killer). */
    CRASHED("crashed"),
    /** It exited while starting. */
    START_FAILED("start failed");

    private final String patroniState;

    ProcessState(String patroniState) {
        this.patroniState = patroniState;
    }

    /** Patroni's member-record {@code state} for this process state. */
    public String patroniState() {
        return patroniState;
    }
}
