package io.pgha.engine.ha;

import java.util.Objects;

/**
 * What is in the data directory, from pg_controldata.
 *
 * @param kind empty, initialised or unusable
 * @param systemIdentifier the cluster's system identifier when initialised, else {@code ""}
 * @param timeline the latest checkpoint's timeline when initialised
 * @param clusterState pg_control's "Database cluster state" ({@code in production}, {@code shut down}, ...)
 * @param checkpointLsn where the latest checkpoint record starts (after a clean shutdown: the shutdown checkpoint, the
 *        last WAL this directory holds); 0 when unknown
 * @param detail why it is unusable, for {@link Kind#UNUSABLE}
 */
public record DataDirectoryState(Kind kind, String systemIdentifier, long timeline, String clusterState,
        long checkpointLsn, String detail) {

    public DataDirectoryState {
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(systemIdentifier, "systemIdentifier is null");
        Objects.requireNonNull(clusterState, "clusterState is null");
        Objects.requireNonNull(detail, "detail is null");
    }

    /** The three things a data directory can be. */
    public enum Kind {
        /** Missing or empty: a bootstrap or a clone may create it. */
        EMPTY,
        /** A PostgreSQL cluster with a readable pg_control. */
        INITIALIZED,
        /** Not empty, but not a usable cluster (no or unreadable pg_control, wrong owner, ...). */
        UNUSABLE
    }

    public static DataDirectoryState empty() {
        return new DataDirectoryState(Kind.EMPTY, "", 0, "", 0, "");
    }

    public static DataDirectoryState unusable(String detail) {
        return new DataDirectoryState(Kind.UNUSABLE, "", 0, "", 0, detail);
    }

    public boolean isEmpty() {
        return kind == Kind.EMPTY;
    }

    public boolean isInitialized() {
        return kind == Kind.INITIALIZED;
    }

    /** Whether pg_control says the last shutdown was clean (so the directory can follow another timeline). */
    public boolean shutDownCleanly() {
        return clusterState.equals("shut down") || clusterState.equals("shut down in recovery");
    }
}
