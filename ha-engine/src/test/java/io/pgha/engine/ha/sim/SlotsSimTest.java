package io.pgha.engine.ha.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.ha.SlotNames;
import io.pgha.engine.ha.SlotPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("permanent and ignored slots")
class SlotsSimTest {
    private SimWorld world;

    @AfterEach
    void close() {
        if (world != null) {
            world.close();
        }
    }

    @Test
    @DisplayName("a permanent physical slot exists on the leader, and on the new leader after a failover")
    void permanentSlotSurvivesFailover() {
        world = new SimWorld(11, SimWorld.Config.defaults());
        world.slotPolicy(new SlotPolicy(Set.of("backup_tool"), name -> false, Duration.ofMinutes(30)));
        SimMember n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        world.addMember("n2", Map.of());
        world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1") && n1.pg.slots.contains("backup_tool"),
                Duration.ofMinutes(2)), "the leader created the permanent slot: " + n1.pg.slots + "\n" + world.describe());
        world.killAgent(n1);
        n1.pg.crash();
        assertTrue(world.runUntil(() -> world.leader().filter(l -> !l.equals("n1")).isPresent()
                && world.member(world.leader().get()).pg.writable(), Duration.ofMinutes(2)), world.describe());
        SimMember leader = world.member(world.leader().get());
        assertTrue(leader.pg.slots.contains("backup_tool"), "the new leader has it: " + leader.pg.slots);
    }

    @Test
    @DisplayName("a member's slot matching ignore_slots is not dropped when the member leaves")
    void ignoredSlotKept() {
        world = new SimWorld(12, SimWorld.Config.defaults());
        String n3Slot = SlotNames.forMember("n3");
        world.slotPolicy(new SlotPolicy(Set.of(), n3Slot::equals, Duration.ofSeconds(60)));
        SimMember n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        world.addMember("n2", Map.of());
        SimMember n3 = world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1") && n1.pg.slots.contains(n3Slot)
                && n1.pg.slots.contains(SlotNames.forMember("n2")), Duration.ofMinutes(2)), world.describe());
        world.killAgent(n3);
        world.killAgent(world.member("n2"));
        world.runFor(Duration.ofMinutes(3));
        assertTrue(n1.pg.slots.contains(n3Slot), "ignored: kept " + n1.pg.slots);
        assertFalse(n1.pg.slots.contains(SlotNames.forMember("n2")), "n2's slot dropped after member_slots_ttl: "
                + n1.pg.slots);
        assertTrue(Optional.of("n1").equals(world.leader()));
    }

    @Test
    @DisplayName("replicas keep copies of a permanent slot at the leader's position, so it survives a failover there")
    void permanentSlotCopiedToReplicasAndAdvanced() {
        world = new SimWorld(13, SimWorld.Config.defaults());
        world.slotPolicy(new SlotPolicy(Set.of("backup_tool"), name -> false, Duration.ofMinutes(30)));
        SimMember n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        SimMember n2 = world.addMember("n2", Map.of());
        SimMember n3 = world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1") && n2.pg.slots.contains("backup_tool")
                && n3.pg.slots.contains("backup_tool"), Duration.ofMinutes(2)), "copied to the replicas: n2 "
                + n2.pg.slots + ", n3 " + n3.pg.slots + "\n" + world.describe());
        world.runFor(Duration.ofSeconds(30));
        long consumed = n1.pg.wal;
        n1.pg.slotPositions.put("backup_tool", consumed);
        assertTrue(world.runUntil(() -> n2.pg.slotPositions.getOrDefault("backup_tool", 0L) == consumed
                && n3.pg.slotPositions.getOrDefault("backup_tool", 0L) == consumed, Duration.ofMinutes(1)),
                "advanced to the leader's position " + consumed + ": n2 " + n2.pg.slotPositions + ", n3 "
                        + n3.pg.slotPositions);

        world.killAgent(n1);
        n1.pg.crash();
        assertTrue(world.runUntil(() -> world.leader().filter(l -> !l.equals("n1")).isPresent()
                && world.member(world.leader().get()).pg.writable(), Duration.ofMinutes(2)), world.describe());
        SimMember leader = world.member(world.leader().get());
        assertTrue(leader.pg.slotPositions.getOrDefault("backup_tool", 0L) >= consumed,
                "the new leader's copy keeps the WAL the consumer has not read: " + leader.pg.slotPositions);

        // the old leader rejoins as a standby: it keeps the permanent slot, and drops its copies of members' slots
        world.startAgent(n1, Optional.empty());
        String former = SlotNames.forMember(leader.name);
        assertTrue(world.runUntil(() -> n1.pg.streaming() && !n1.pg.slots.contains(former)
                && n1.pg.slots.contains("backup_tool"), Duration.ofMinutes(3)),
                "n1 rejoined and dropped the slots it kept as leader: " + n1.pg.slots + "\n" + world.describe());
    }

    @Test
    @DisplayName("a member that cascades (replicatefrom) streams through a slot on its upstream replica")
    void cascadingMemberGetsASlotOnItsUpstream() {
        world = new SimWorld(14, SimWorld.Config.defaults());
        SimMember n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        SimMember n2 = world.addMember("n2", Map.of());
        SimMember n3 = world.addMember("n3", Map.of("replicatefrom", "n2"));
        String n3Slot = SlotNames.forMember("n3");
        assertTrue(world.runUntil(() -> n3.pg.streaming() && n3.pg.upstream.map(u -> u.name().equals("n2")).orElse(false)
                && n2.pg.slots.contains(n3Slot), Duration.ofMinutes(2)),
                "n2 keeps n3's slot: " + n2.pg.slots + "\n" + world.describe());
        assertFalse(n1.pg.slots.contains(n3Slot), "the leader keeps none for n3: " + n1.pg.slots);
        assertTrue(n1.pg.slots.contains(SlotNames.forMember("n2")), n1.pg.slots.toString());
    }

    @Test
    @DisplayName("a permanent logical slot is copied to the standbys, follows the consumer there, and survives a failover")
    void logicalSlotCopiedAndAdvanced() {
        world = new SimWorld(15, SimWorld.Config.defaults());
        world.slotPolicy(new SlotPolicy(Set.of(), name -> false, Duration.ofMinutes(30),
                Map.of("cdc", new SlotPolicy.Logical("postgres", "pgoutput"))));
        SimMember n1 = world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1") && n1.pg.logicalSlots.containsKey("cdc"),
                Duration.ofMinutes(1)), "the leader created it: " + n1.pg.logicalSlots + "\n" + world.describe());
        SimMember n2 = world.addMember("n2", Map.of());
        SimMember n3 = world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1") && n2.pg.logicalSlots.containsKey("cdc")
                && n3.pg.logicalSlots.containsKey("cdc"), Duration.ofMinutes(2)),
                "copied: n2 " + n2.pg.logicalSlots + ", n3 " + n3.pg.logicalSlots + "\n" + world.describe());
        assertTrue(n2.pg.actions.contains("copyLogicalSlots [cdc]"), n2.pg.actions.toString());
        world.runFor(Duration.ofSeconds(30));
        long consumed = n1.pg.wal;
        n1.pg.logicalSlots.put("cdc", consumed);
        assertTrue(world.runUntil(() -> n2.pg.logicalSlots.get("cdc") == consumed
                && n3.pg.logicalSlots.get("cdc") == consumed, Duration.ofMinutes(1)),
                "advanced to " + consumed + ": n2 " + n2.pg.logicalSlots + ", n3 " + n3.pg.logicalSlots);
        world.killAgent(n1);
        n1.pg.crash();
        assertTrue(world.runUntil(() -> world.leader().filter(l -> !l.equals("n1")).isPresent()
                && world.member(world.leader().get()).pg.writable(), Duration.ofMinutes(2)), world.describe());
        SimMember leader = world.member(world.leader().get());
        assertTrue(leader.pg.logicalSlots.getOrDefault("cdc", 0L) >= consumed, "the new leader's slot goes on from "
                + consumed + ": " + leader.pg.logicalSlots);
    }
}
