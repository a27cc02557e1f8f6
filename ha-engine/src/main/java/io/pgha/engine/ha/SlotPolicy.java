package io.pgha.engine.ha;

import java.time.Duration;
import java.util.Map;
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
 * @param logical permanent logical slots by name: created on the leader, copied to the standbys and advanced there, so
 *        that they survive a failover
 */
public record SlotPolicy(Set<String> permanent, Predicate<String> ignored, Duration memberSlotsTtl,
        Map<String, Logical> logical) {
    /** No permanent slots, nothing ignored, Patroni's 30 minutes. */
    public static final SlotPolicy DEFAULT = new SlotPolicy(Set.of(), name -> false, Duration.ofMinutes(30));

    /** A permanent logical slot: the database it decodes and its output plugin. */
    public record Logical(String database, String plugin) {
        public Logical {
            Objects.requireNonNull(database, "database is null");
            Objects.requireNonNull(plugin, "plugin is null");
        }
    }

    public SlotPolicy {
        permanent = Set.copyOf(permanent);
        Objects.requireNonNull(ignored, "ignored is null");
        Objects.requireNonNull(memberSlotsTtl, "memberSlotsTtl is null");
        logical = Map.copyOf(logical);
    }

    /** Without permanent logical slots. */
    public SlotPolicy(Set<String> permanent, Predicate<String> ignored, Duration memberSlotsTtl) {
        this(permanent, ignored, memberSlotsTtl, Map.of());
    }
}
