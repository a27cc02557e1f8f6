package io.pgha.spi.dcs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The leader's status ({@code status} key): {@code {"optime":n,"slots":{name:lsn},"retain_slots":[..]}}.
 *
 * @param optime the leader's last known WAL position (absolute byte offset)
 * @param slots replication-slot name to confirmed LSN
 * @param retainSlots slots of members that are absent but must be kept
 * @since 1.0
 */
public record LeaderStatus(long optime, Map<String, Long> slots, List<String> retainSlots) {
    /** No status known. */
    public static final LeaderStatus NONE = new LeaderStatus(0, Map.of(), List.of());

    public LeaderStatus {
        slots = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(slots, "slots is null")));
        retainSlots = List.copyOf(retainSlots);
    }
}
