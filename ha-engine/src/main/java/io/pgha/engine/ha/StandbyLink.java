package io.pgha.engine.ha;

import java.util.Objects;

/**
 * A standby streaming from this primary, as its WAL sender reports it.
 *
 * @param name the standby's {@code application_name}: its member name
 * @param state {@code streaming}, {@code catchup}, {@code backup}, ...
 * @param syncState {@code async}, {@code potential}, {@code sync} or {@code quorum}
 * @param flushLsn the last WAL position the standby reported flushed to disk (0 if none yet)
 */
public record StandbyLink(String name, String state, String syncState, long flushLsn) {
    public StandbyLink {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(state, "state is null");
        Objects.requireNonNull(syncState, "syncState is null");
    }

    public boolean streaming() {
        return state.equals("streaming");
    }
}
