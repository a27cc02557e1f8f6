package io.pgha.engine.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A timeline history file ({@code pg_wal/0000000N.history}): for every earlier timeline, where it was left.
 *
 * @param entries in file order, oldest timeline first
 */
public record TimelineHistory(List<Entry> entries) {

    /**
     * One line: {@code parentTimeline} ended at {@code switchpoint}, where the next timeline forked off.
     *
     * @param parentTimeline the timeline that ended
     * @param switchpoint the first WAL position not on it any more
     * @param reason why (free text)
     */
    public record Entry(long parentTimeline, Lsn switchpoint, String reason) {
        public Entry {
            Objects.requireNonNull(switchpoint, "switchpoint is null");
            Objects.requireNonNull(reason, "reason is null");
        }
    }

    public TimelineHistory {
        entries = List.copyOf(entries);
    }

    /**
     * Parses a history file: tab- or space-separated {@code timeline switchpoint reason} lines; blank and {@code #}
     * lines are skipped.
     *
     * @throws IllegalArgumentException for a line that is neither
     */
    public static TimelineHistory parse(String text) {
        List<Entry> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 3);
            if (parts.length < 2) {
                throw new IllegalArgumentException("not a timeline history line: '" + line + "'");
            }
            try {
                out.add(new Entry(Long.parseLong(parts[0]), Lsn.parse(parts[1]), parts.length > 2 ? parts[2] : ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a timeline history line: '" + line + "'", e);
            }
        }
        return new TimelineHistory(out);
    }

    /** Where {@code timeline} ended, if it is one of this history's parents. */
    public Optional<Lsn> switchpointOf(long timeline) {
        return entries.stream().filter(e -> e.parentTimeline() == timeline).map(Entry::switchpoint).findFirst();
    }

    /** The history file name of {@code timeline}, as in {@code pg_wal}. */
    public static String fileName(long timeline) {
        return String.format("%08X.history", timeline);
    }
}
