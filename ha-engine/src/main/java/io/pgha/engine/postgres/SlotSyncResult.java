package io.pgha.engine.postgres;

import java.util.List;
import java.util.Map;

/**
 * What {@link PostgresSql#syncPhysicalSlots} did.
 *
 * @param created physical slots it created
 * @param dropped physical slots it dropped
 * @param keptActive unwanted physical slots it left because a connection still uses them
 * @param failed slots it could not create or drop, with the reason
 */
public record SlotSyncResult(List<String> created, List<String> dropped, List<String> keptActive,
        Map<String, String> failed) {
    public SlotSyncResult {
        created = List.copyOf(created);
        dropped = List.copyOf(dropped);
        keptActive = List.copyOf(keptActive);
        failed = Map.copyOf(failed);
    }

    public boolean changedNothing() {
        return created.isEmpty() && dropped.isEmpty() && failed.isEmpty();
    }
}
