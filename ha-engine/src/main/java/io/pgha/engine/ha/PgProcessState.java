package io.pgha.engine.ha;

/** What the local postmaster is doing, as the agent sees it. */
public enum PgProcessState {
    /** Not running, and the agent did not try to start it (or stopped it on purpose). */
    STOPPED,
    /** Started by the agent, not yet accepting connections. */
    STARTING,
    /** Accepting connections. */
    RUNNING,
    /** Being shut down by the agent. */
    STOPPING,
    /** It died without being asked to (crash, kill -9, OOM). */
    CRASHED,
    /** The agent started it and it exited or did not become ready in time. */
    START_FAILED;

    /** Patroni's member-record state string for this process state. */
    public String patroniState() {
        return switch (this) {
            case STOPPED -> "stopped";
            case STARTING -> "starting";
            case RUNNING -> "running";
            case STOPPING -> "stopping";
            case CRASHED -> "crashed";
            case START_FAILED -> "start failed";
        };
    }
}
