package io.pgha.engine.ha;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which replication slots the leader keeps besides one per streaming member.
 *
 * @param permanent permanent physical slots ({@code slots} of type physical): created on the leader, and on a new
 *        leader before it promotes, never dropped
 * @param ignored {@code ignore_slots}: physical slots matching it are never dropped, even when named like a member's
 * @param memberSlotsTtl {@code member_slots_ttl}: how long the slot of a member that left is kept
 */
public record SlotPolicy(Set<String> permanent, Predicate<String> ignored, Duration memberSlotsTtl) {
    /** No permanent slots, nothing ignored, Patroni's 30 minutes. */
    public static final SlotPolicy DEFAULT = new SlotPolicy(Set.of(), name -> false, Duration.ofMinutes(30));

    public SlotPolicy {
        permanent = Set.copyOf(permanent);
        Objects.requireNonNull(ignored, "ignored is null");
        Objects.requireNonNull(memberSlotsTtl, "memberSlotsTtl is null");
    }
}
