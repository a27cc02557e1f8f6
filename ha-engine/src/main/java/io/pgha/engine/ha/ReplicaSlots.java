package io.pgha.engine.ha;

import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.Member;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replication slots a standby keeps, as Patroni keeps them:
 * <ul>
 * <li>one per member that cascades from it ({@code replicatefrom} naming it), so that such a member streams through
 * its slot as it would from the leader;</li>
 * <li>every permanent physical slot, moved forward to where the leader's copy is ({@code /status.slots}), so that
 * after a failover the new primary still keeps the WAL the slot's consumer has not received;</li>
 * <li>no slot of another member: a former leader that rejoined as a standby would otherwise keep the WAL its old
 * followers' slots held for ever;</li>
 * <li>a copy of every permanent logical slot the leader has: copied once from the leader's on-disk state (PostgreSQL
 * 15 cannot create a logical slot on a standby), then moved forward to the leader's confirmed position.</li>
 * </ul>
 * Slots that never belonged to a member, and those matching {@code ignore_slots}, are left alone.
 */
final class ReplicaSlots {
    private ReplicaSlots() {
    }

    /**
     * What a standby does with its slots in one cycle.
     *
     * @param wanted slots to create when missing
     * @param droppable inactive slots to drop
     * @param advance permanent slots to move forward, to the leader's published positions
     */
    record Plan(Set<String> wanted, Set<String> droppable, Map<String, Long> advance) {
        Plan {
            wanted = Set.copyOf(wanted);
            droppable = Set.copyOf(droppable);
            advance = Map.copyOf(advance);
        }
    }

    /**
     * The plan of the standby {@code me}.
     *
     * @param paused in maintenance mode nothing is dropped
     */
    static Plan plan(ClusterState cluster, String me, SlotPolicy slots, boolean paused) {
        Set<String> wanted = new TreeSet<>(slots.permanent());
        for (Member m : cluster.members()) {
            if (!m.name().equals(me) && me.equals(String.valueOf(m.data().tags().get("replicatefrom")))
                    && !MemberIdentity.truthy(m.data().tags().get("nostream"))) {
                wanted.add(SlotNames.forMember(m.name()));
            }
        }
        Set<String> droppable = new TreeSet<>();
        if (!paused) {
            for (Member m : cluster.members()) {
                droppable.add(SlotNames.forMember(m.name()));
            }
            droppable.addAll(cluster.status().retainSlots());
            droppable.removeAll(wanted);
            droppable.removeIf(slots.ignored());
        }
        Map<String, Long> advance = new TreeMap<>();
        for (String name : slots.permanent()) {
            Long at = cluster.status().slots().get(name);
            if (at != null && at > 0) {
                advance.put(name, at);
            }
        }
        return new Plan(wanted, droppable, advance);
    }

    /** The permanent logical slots this standby lacks and the leader already has (it published their position). */
    static Set<String> logicalToCopy(ClusterState cluster, SlotPolicy slots, Set<String> present) {
        Set<String> out = new TreeSet<>();
        for (String name : slots.logical().keySet()) {
            if (!present.contains(name) && cluster.status().slots().containsKey(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /** The leader's confirmed positions of the permanent logical slots, as targets for this standby's copies. */
    static Map<String, Long> logicalTargets(ClusterState cluster, SlotPolicy slots) {
        Map<String, Long> out = new TreeMap<>();
        for (String name : slots.logical().keySet()) {
            Long at = cluster.status().slots().get(name);
            if (at != null && at > 0) {
                out.put(name, at);
            }
        }
        return out;
    }

    /**
     * What the leader publishes as {@code /status.slots}: where each permanent physical slot it keeps is, and its own
     * member slot name at its WAL position (Patroni's replicas advance their copy of the leader's slot from it).
     */
    static Map<String, Long> published(String me, SlotPolicy slots, Map<String, Long> positions, long walPosition) {
        Map<String, Long> out = new TreeMap<>();
        Set<String> names = new TreeSet<>(slots.permanent());
        names.addAll(slots.logical().keySet());
        for (String name : names) {
            Long at = positions.get(name);
            if (at != null && at > 0) {
                out.put(name, at);
            }
        }
        if (walPosition > 0) {
            out.put(SlotNames.forMember(me), walPosition);
        }
        return out;
    }
}
