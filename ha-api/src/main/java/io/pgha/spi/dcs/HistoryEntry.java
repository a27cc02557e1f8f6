package io.pgha.spi.dcs;

import java.util.Objects;
import java.util.Optional;

/**
 * One timeline switch in the {@code history} key: {@code [timeline, switch_lsn, "reason", "timestamp", "new_leader"]}.
 *
 * @param timeline the timeline that ended
 * @param switchLsn the LSN at which it ended, as an absolute byte offset
 * @param reason why, as PostgreSQL's history file says
 * @param timestamp when the new timeline began (ISO 8601), if recorded
 * @param newLeader the member promoted, if recorded
 * @since 1.0
 */
public record HistoryEntry(long timeline, long switchLsn, String reason, Optional<String> timestamp,
        Optional<String> newLeader) {
    public HistoryEntry {
        Objects.requireNonNull(reason, "reason is null");
        Objects.requireNonNull(timestamp, "timestamp is null");
        Objects.requireNonNull(newLeader, "newLeader is null");
    }
}
