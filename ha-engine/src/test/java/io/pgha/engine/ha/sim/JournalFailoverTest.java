package io.pgha.engine.ha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.journal.ClusterEvent;
import io.pgha.engine.journal.ClusterEvents;
import io.pgha.engine.journal.ClusterEvents.MemberJournal;
import io.pgha.engine.journal.DecisionJournal;
import io.pgha.engine.journal.EventKind;
import io.pgha.engine.journal.JournalEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The decision journal fed by the real decision tree in the simulated world: it must explain a failover. */
class JournalFailoverTest {
    private SimWorld world;

    @AfterEach
    void close() {
        if (world != null) {
            world.close();
        }
    }

    @Test
    @DisplayName("after the leader's host dies, the journals say who noticed, who was passed over and why, who promoted")
    void explainsFailover() {
        world = new SimWorld(7, SimWorld.Config.defaults());
        Map<String, DecisionJournal> journals = new LinkedHashMap<>();
        world.onCycle((m, decision, snapshot, took) -> {
            DecisionJournal j = journals.computeIfAbsent(m.name,
                    n -> new DecisionJournal(n, world.clock(), Duration.ofSeconds(2), 1000));
            j.leaseFrom(m.guard);
            j.cycleEnded(decision, snapshot, took);
        });
        world.addMember("n1", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(1)), world.describe());
        world.addMember("n2", Map.of());
        world.addMember("n3", Map.of());
        assertTrue(world.runUntil(() -> world.healthyUnder("n1"), Duration.ofMinutes(2)), world.describe());
        SimMember n3 = world.member("n3");
        n3.pg.replicationStalled = true;
        world.runFor(Duration.ofSeconds(5));
        long before = journals.get("n2").all().size();
        long beforeN3 = journals.get("n3").all().size();

        world.killAgent(world.member("n1"));
        world.member("n1").pg.crash();
        n3.pg.replicationStalled = false;
        assertTrue(world.runUntil(() -> world.leader().equals(Optional.of("n2")) && world.member("n2").pg.writable()
                && world.healthyUnder("n2"), Duration.ofMinutes(2)), world.describe());
        world.runFor(Duration.ofSeconds(30));

        List<JournalEvent> n2 = journals.get("n2").all().subList((int) before, journals.get("n2").all().size());
        List<JournalEvent> n3Events = journals.get("n3").all().subList((int) beforeN3, journals.get("n3").all().size());
        List<MemberJournal> all = new ArrayList<>();
        all.add(new MemberJournal("n2", n2.stream().map(ClusterEvent::of).toList(), Optional.empty()));
        all.add(new MemberJournal("n3", n3Events.stream().map(ClusterEvent::of).toList(), Optional.empty()));
        System.out.println("journal of the failover (simulated, seed 7):\n" + ClusterEvents.timeline(all));
        if (Boolean.getBoolean("journal.print.only")) {
            return;
        }

        JournalEvent promoted = n2.stream().filter(e -> e.kind() == EventKind.PROMOTED).findFirst()
                .orElseThrow(() -> new AssertionError("n2 journalled no promotion: " + n2));
        assertTrue(promoted.changes().contains("role: replica -> primary"), promoted.changes().toString());
        assertTrue(promoted.changes().contains("timeline: 1 -> 2"), promoted.changes().toString());
        assertTrue(promoted.changes().contains("leader: n1 -> none"), "n2 decided on a leaderless cluster: " + n2);
        assertEquals(2, promoted.facts().timeline());
        assertTrue(promoted.changes().contains("lock: not held -> held"), "the promotion took the lock: " + promoted);
        JournalEvent leading = n2.get(n2.indexOf(promoted) + 1);
        assertEquals(EventKind.LEADER_CHANGED, leading.kind());
        assertTrue(leading.changes().contains("leader: none -> n2"), "the next cycle reads n2 as the leader: "
                + leading);
        assertTrue(leading.facts().leaseLeftMillis().orElse(0L) > 0, "a leader's lease time left is shown: " + leading);
        assertTrue(n3Events.stream().anyMatch(e -> e.kind() == EventKind.CANDIDATE_REJECTED
                && e.reason().contains("n2 is ahead in WAL") && e.facts().lagBytes().isPresent()),
                "n3 says it was passed over because n2 had more WAL: " + n3Events);
        assertTrue(n3Events.stream().anyMatch(e -> e.changes().contains("leader: none -> n2")),
                "n3 saw n2 take the lock: " + n3Events);
        List<ClusterEvent> merged = ClusterEvents.merge(all);
        for (int i = 1; i < merged.size(); i++) {
            assertTrue(!merged.get(i).time().isBefore(merged.get(i - 1).time()), "merged by time: " + merged);
        }
    }
}
