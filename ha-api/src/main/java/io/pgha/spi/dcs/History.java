package io.pgha.spi.dcs;

import java.util.List;

/**
 * The {@code history} key: every timeline switch the cluster went through.
 *
 * @param version the key's version, for compare-and-set
 * @param entries oldest first
 * @since 1.0
 */
public record History(long version, List<HistoryEntry> entries) {
    public History {
        entries = List.copyOf(entries);
    }

    /** The timeline a primary of this cluster should be on: one past the last switched-from timeline (1 if none). */
    public long currentTimeline() {
        return entries.isEmpty() ? 1 : entries.get(entries.size() - 1).timeline() + 1;
    }
}
