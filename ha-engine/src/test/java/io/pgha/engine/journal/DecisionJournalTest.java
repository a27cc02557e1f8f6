package io.pgha.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.ha.HaPolicy;
import io.pgha.engine.ha.HaSnapshot;
import io.pgha.engine.ha.MemberIdentity;
import io.pgha.engine.ha.PgObservation;
import io.pgha.engine.ha.PgProcessState;
import io.pgha.engine.ha.PgRole;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.dcs.PatroniLayout.RawValue;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("decision journal")
class DecisionJournalTest {
    static final MemberIdentity ME = new MemberIdentity("n2", "demo", "postgres://127.0.0.1:5433/postgres",
            "http://127.0.0.1:8009/patroni", Map.of());
    static final HaPolicy POLICY = policy(30);

    final ManualClock clock = new ManualClock();
    final DecisionJournal journal = new DecisionJournal("n2", clock, Duration.ofSeconds(2), 100);

    static HaPolicy policy(int ttl) {
        return new HaPolicy(new DcsTimings(Duration.ofSeconds(ttl), Duration.ofSeconds(10), Duration.ofSeconds(10)),
                1_048_576, Duration.ofSeconds(300), true, true, false, false, Map.of(), false, "");
    }

    static ClusterState cluster(String leader, long optime) {
        Map<String, RawValue> raw = new LinkedHashMap<>();
        if (leader != null) {
            raw.put("leader", RawValue.of(leader, 1));
        }
        raw.put("status", RawValue.of("{\"optime\":" + optime + ",\"slots\":{},\"retain_slots\":[]}", 1));
        raw.put("members/n1", RawValue.of("{\"state\":\"running\",\"role\":\"primary\"}", 1));
        raw.put("members/n2", RawValue.of("{\"state\":\"running\",\"role\":\"replica\"}", 1));
        return PatroniLayout.decode(raw);
    }

    static PgObservation pg(PgRole role, long timeline, long wal) {
        return new PgObservation(PgProcessState.RUNNING, role, timeline, wal, wal, wal, Optional.empty(), false,
                role == PgRole.REPLICA, 150004, Optional.empty(), Map.of(), List.of(), Optional.of("7390"));
    }

    HaSnapshot snapshot(PgObservation pg, ClusterState c, boolean holdsLock, HaPolicy policy) {
        return new HaSnapshot(ME, pg, c, clock.now(), holdsLock, "", policy, clock.now());
    }

    void cycle(String decision, HaSnapshot s) {
        clock.advance(Duration.ofSeconds(10));
        journal.cycleEnded(decision, s, Duration.ofMillis(5));
    }

    static final String FOLLOWING = "no action. I am (n2), a secondary, and following a leader (n1)";

    @Test
    @DisplayName("a steady state is journalled once; a countdown or a growing lag is not a new decision")
    void steadyStateOnce() {
        for (int i = 0; i < 5; i++) {
            cycle(FOLLOWING, snapshot(pg(PgRole.REPLICA, 1, 1000 + i), cluster("n1", 2000 + i), false, POLICY));
        }
        cycle("PostgreSQL is still starting up, 12 seconds until timeout",
                snapshot(pg(PgRole.REPLICA, 1, 1000), cluster("n1", 2000), false, POLICY));
        cycle("PostgreSQL is still starting up, 2 seconds until timeout",
                snapshot(pg(PgRole.REPLICA, 1, 1000), cluster("n1", 2000), false, POLICY));
        assertEquals(2, journal.all().size(), journal.all().toString());
        JournalEvent first = journal.all().get(0);
        assertEquals(1, first.seq());
        assertEquals(EventKind.DECISION, first.kind());
        assertEquals(Optional.of(1000L), first.facts().lagBytes(), "lag = leader's optime - my position");
        assertEquals(Optional.of("n1"), first.facts().leader());
    }

    @Test
    @DisplayName("a promotion names its reason and what changed: role, lock, leader, timeline, with the lease left")
    void promotion() {
        cycle(FOLLOWING, snapshot(pg(PgRole.REPLICA, 1, 5000), cluster("n1", 5000), false, POLICY));
        cycle(FOLLOWING, snapshot(pg(PgRole.REPLICA, 1, 5000), cluster(null, 5000), false, POLICY));
        io.pgha.engine.ha.LeaseGuard guard = new io.pgha.engine.ha.LeaseGuard(null, clock);
        // renewed now for ttl 23.5 s with the 3.5 s margin: fences 20 s from now
        guard.renewed(clock.nanoTime(), Duration.ofMillis(23_500), Duration.ofMillis(3_500));
        journal.leaseFrom(guard);
        cycle("promoted self to leader by acquiring session lock",
                snapshot(pg(PgRole.PRIMARY, 2, 5100), cluster("n2", 5000), true, POLICY));
        List<JournalEvent> events = journal.all();
        assertEquals(List.of(EventKind.DECISION, EventKind.LEADER_CHANGED, EventKind.PROMOTED),
                events.stream().map(JournalEvent::kind).toList());
        assertEquals(List.of("leader: n1 -> none"), events.get(1).changes());
        JournalEvent promoted = events.get(2);
        assertEquals(List.of("role: replica -> primary", "lock: not held -> held", "leader: none -> n2",
                "timeline: 1 -> 2"), promoted.changes());
        assertEquals("promoted self to leader by acquiring session lock", promoted.reason());
        assertEquals(Optional.of("n2"), promoted.facts().leader());
        assertEquals(2, promoted.facts().timeline());
        assertEquals(5100, promoted.facts().lsn());
        // 10 s passed since the deadline was set 20 s ahead; the lock lives a margin (2 s + 1.5 s) past the deadline
        assertEquals(Optional.of(13_500L), promoted.facts().leaseLeftMillis());
        assertEquals(Optional.empty(), promoted.facts().lagBytes(), "a primary has no lag");
        Map<String, Object> json = promoted.toJson();
        assertEquals("promoted", json.get("kind"));
        assertEquals("n2", json.get("member"));
        assertEquals(clock.now().toString(), json.get("time"));
        @SuppressWarnings("unchecked")
        Map<String, Object> facts = (Map<String, Object>) json.get("facts");
        assertEquals(13_500L, facts.get("lease_left_ms"));
    }

    @Test
    @DisplayName("the DCS going away and coming back are journalled, without a false leader change")
    void dcsOutage() {
        cycle(FOLLOWING, snapshot(pg(PgRole.REPLICA, 1, 5000), cluster("n1", 5000), false, POLICY));
        HaSnapshot stale = snapshot(pg(PgRole.REPLICA, 1, 5000), ClusterState.EMPTY, false, POLICY);
        cycle("DCS is not accessible (connection refused)", stale);
        cycle("DCS is not accessible (connection refused)", stale);
        cycle(FOLLOWING, snapshot(pg(PgRole.REPLICA, 1, 5000), cluster("n1", 5000), false, POLICY));
        List<JournalEvent> events = journal.all();
        assertEquals(List.of(EventKind.DECISION, EventKind.DCS_UNREACHABLE, EventKind.DCS_REACHABLE), events.stream()
                .map(JournalEvent::kind).toList());
        assertEquals(List.of("dcs: reachable -> unreachable"), events.get(1).changes());
        assertFalse(events.get(1).facts().dcsReachable());
        assertEquals(List.of("dcs: unreachable -> reachable"), events.get(2).changes());
        cycle(FOLLOWING, snapshot(pg(PgRole.REPLICA, 1, 5000), cluster("n1", 5000), false, policy(20)));
        JournalEvent config = journal.all().get(3);
        assertEquals(EventKind.CONFIG_APPLIED, config.kind());
        assertTrue(config.changes().get(0).startsWith("config: ttl=30 "), config.changes().toString());
    }

    @Test
    @DisplayName("fencing is journalled with the facts of the last cycle")
    void fencing() {
        cycle("no action. I am (n2), the leader with the lock",
                snapshot(pg(PgRole.PRIMARY, 2, 9000), cluster("n2", 9000), true, POLICY));
        long deadline = clock.nanoTime();
        clock.advance(Duration.ofMillis(40));
        journal.fenced(deadline, 1);
        JournalEvent fenced = journal.all().get(1);
        assertEquals(EventKind.FENCED, fenced.kind());
        assertTrue(fenced.reason().contains("fencing #1, 40 ms after the deadline"), fenced.reason());
        assertEquals("primary", fenced.facts().role());
    }

    @Test
    @DisplayName("the ring keeps the newest events; sequence numbers go on")
    void bounded() {
        DecisionJournal small = new DecisionJournal("n2", clock, Duration.ofSeconds(2), 3);
        for (int i = 0; i < 5; i++) {
            small.note(EventKind.AGENT, "event " + i);
        }
        assertEquals(List.of(3L, 4L, 5L), small.all().stream().map(JournalEvent::seq).toList());
        assertEquals(List.of(5L), small.after(4).stream().map(JournalEvent::seq).toList());
        assertEquals(Instant.parse("2026-12-05T06:00:00Z"), small.all().get(0).time());
    }
}
