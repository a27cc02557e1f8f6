package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two members: a base-backup replica streams from the primary through a slot, is promoted while the old primary
 * still runs and writes, and the diverged old primary is rewound and rejoins as a replica of the new one.
 */
class FailoverRewindIT {
    private final PgFixture fixture = new PgFixture();

    @AfterEach
    void stopAll() {
        fixture.close();
    }

    private static ServerRole.Standby following(PostgresInstance upstream, String slot) {
        return new ServerRole.Standby(Optional.of(new ReplicationSource("127.0.0.1", upstream.settings().port(),
                Optional.of(slot))), Map.of());
    }

    @Test
    @DisplayName("replica streams via slot, is promoted to timeline 2, and the diverged old primary is rewound")
    void failoverAndRewind() {
        PostgresInstance a = fixture.runningPrimary("a");
        fixture.psql(a, "CREATE TABLE t(x text); INSERT INTO t VALUES ('before')");

        // basebackup replica with a slot
        PostgresInstance b = fixture.runningReplica("b", a, "b");
        PgFixture.await("b streams from a", Duration.ofSeconds(30), () -> PgFixture.quietly(() -> b.sql().status().streaming()));
        ServerStatus bs = b.sql().status();
        assertTrue(bs.inRecovery());
        assertEquals(1, bs.timeline());
        assertEquals(Optional.of("b"), bs.walReceiver().orElseThrow().slotName());
        PgFixture.await("a sees b streaming", Duration.ofSeconds(30), () -> a.sql().replication().stream()
                .anyMatch(r -> r.applicationName().equals("b") && r.state().equals("streaming")));
        assertTrue(a.sql().replicationSlots().stream().anyMatch(s -> s.name().equals("b") && s.active()));
        assertEquals(List.of("b"), a.observe().replication().stream().map(ReplicationConnection::applicationName).toList());
        assertTrue(b.observe().status().orElseThrow().streaming());
        PgFixture.await("b replays 'before'", Duration.ofSeconds(30),
                () -> PgFixture.quietly(() -> fixture.psql(b, "SELECT count(*) FROM t").equals("1")));

        // promote b while a still runs: b goes to timeline 2
        b.promote(Duration.ofSeconds(60));
        ServerStatus promoted = b.sql().status();
        assertFalse(promoted.inRecovery());
        assertEquals(2, promoted.timeline());
        fixture.psql(b, "INSERT INTO t VALUES ('after promote on b')");

        // a diverges: it writes on timeline 1 after b's switchpoint
        fixture.psql(a, "INSERT INTO t VALUES ('diverged on a')");
        assertEquals(Optional.of(StopMode.FAST), a.stop(StopMode.FAST, Duration.ofSeconds(30)).finalMode());

        Rewinder rewinder = new Rewinder(a);
        RewindDecision decision = rewinder.check("127.0.0.1", b.settings().port(), Optional.empty(), Duration.ofSeconds(60));
        assertTrue(decision.needed(), decision.reason());
        assertEquals(Rewinder.Outcome.NOT_ALLOWED, rewinder.rejoin("127.0.0.1", b.settings().port(), Optional.empty(),
                false, Duration.ofSeconds(60)).outcome());

        // the leader keeps one slot per member, drops a former member's, and leaves a slot nobody in the cluster owns
        b.sql().createPhysicalSlot("gone_member");
        b.sql().createPhysicalSlot("backup_tool");
        SlotSyncResult slots = b.sql().syncPhysicalSlots(Set.of("a"), Set.of("gone_member"));
        assertEquals(List.of("a"), slots.created());
        assertEquals(List.of("gone_member"), slots.dropped());
        assertTrue(b.sql().replicationSlots().stream().anyMatch(s -> s.name().equals("backup_tool")),
                "a slot that never belonged to a member is left alone");

        Rewinder.Result result = rewinder.rejoin("127.0.0.1", b.settings().port(), Optional.empty(), true,
                Duration.ofSeconds(120));
        assertEquals(Rewinder.Outcome.REWOUND, result.outcome(), result.detail());
        assertTrue(a.configFiles().path(ConfigFiles.POSTGRESQL_CONF).toFile().exists());

        // a rejoins as a replica of b
        fixture.assertRunning(a, a.startAndWait(following(b, "a"), fixture.config(), PgFixture.START_TIMEOUT));
        PgFixture.await("a streams from b", Duration.ofSeconds(60), () -> PgFixture.quietly(() -> a.sql().status().streaming()));
        PgFixture.await("a has b's row", Duration.ofSeconds(30), () -> PgFixture.quietly(
                () -> fixture.psql(a, "SELECT count(*) FROM t WHERE x = 'after promote on b'").equals("1")));
        assertEquals("0", fixture.psql(a, "SELECT count(*) FROM t WHERE x = 'diverged on a'"));
        assertEquals(2, a.sql().status().timeline());

        // follow by reload: no upstream, then b again
        assertTrue(a.follow(ServerRole.standbyWithoutSource(), fixture.config()));
        PgFixture.await("a stops streaming", Duration.ofSeconds(30), () -> PgFixture.quietly(() -> !a.sql().status().streaming()));
        assertTrue(a.follow(following(b, "a"), fixture.config()));
        PgFixture.await("a streams from b again", Duration.ofSeconds(30),
                () -> PgFixture.quietly(() -> a.sql().status().streaming()));
    }

    @Test
    @DisplayName("a cleanly switched-over old primary needs no rewind; a crashed one is crash-recovered first")
    void cleanSwitchoverNeedsNoRewind() {
        PostgresInstance a = fixture.runningPrimary("a");
        PostgresInstance b = fixture.runningReplica("b", a, "b");
        fixture.psql(a, "CREATE TABLE t(x int); INSERT INTO t VALUES (1)");
        // a standby that has not connected yet when the primary stops never receives its shutdown checkpoint
        PgFixture.await("b streams from a", Duration.ofSeconds(60), () -> PgFixture.quietly(() -> b.sql().status().streaming()));
        // switchover: stop the primary cleanly, let the replica replay the shutdown checkpoint, promote it
        ControlData beforeStop;
        a.stop(StopMode.FAST, Duration.ofSeconds(30));
        beforeStop = a.controlData();
        PgFixture.await("b replayed a's shutdown checkpoint", Duration.ofSeconds(30), () -> PgFixture.quietly(
                () -> b.sql().status().replayLsn().orElse(Lsn.ZERO).compareTo(beforeStop.checkpointLsn()) > 0));
        b.promote(Duration.ofSeconds(60));
        Rewinder.Result r = new Rewinder(a).rejoin("127.0.0.1", b.settings().port(), Optional.empty(), true,
                Duration.ofSeconds(60));
        assertEquals(Rewinder.Outcome.NOT_NEEDED, r.outcome(), r.detail());
        fixture.assertRunning(a, a.startAndWait(following(b, "a"), fixture.config(), PgFixture.START_TIMEOUT));
        b.sql().syncPhysicalSlots(Set.of("a"), Set.of());
        PgFixture.await("a streams from b", Duration.ofSeconds(60), () -> PgFixture.quietly(() -> a.sql().status().streaming()));
    }

    @Test
    @DisplayName("a standby that followed a promotion and stopped streaming reports its replayed timeline, not its "
            + "restartpoint's lagging one")
    void replayTimelineOfAStandbyWithoutWalReceiver() {
        PostgresInstance a = fixture.runningPrimary("a");
        fixture.psql(a, "CREATE TABLE t(x text); INSERT INTO t VALUES ('before')");
        PostgresInstance b = fixture.runningReplica("b", a, "b");
        PostgresInstance c = fixture.runningReplica("c", a, "c");
        PgFixture.await("b and c stream from a", Duration.ofSeconds(60), () -> PgFixture.quietly(
                () -> b.sql().status().streaming() && c.sql().status().streaming()));
        PgFixture.await("c replays 'before'", Duration.ofSeconds(30),
                () -> PgFixture.quietly(() -> fixture.psql(c, "SELECT count(*) FROM t").equals("1")));

        b.promote(Duration.ofSeconds(60));
        fixture.psql(b, "INSERT INTO t VALUES ('on timeline 2')");
        b.sql().createPhysicalSlot("c");
        // no time-driven restartpoint on c during the test: its latest restartpoint stays on timeline 1
        Map<String, String> params = new java.util.LinkedHashMap<>(fixture.config().parameters());
        params.put("checkpoint_timeout", "1h");
        ServerConfig noRestartpoints = new ServerConfig(params, fixture.config().pgHba(), fixture.config().pgIdent());
        assertTrue(c.follow(following(b, "c"), noRestartpoints));
        PgFixture.await("c streams timeline 2 from b and replays past the fork", Duration.ofSeconds(60),
                () -> PgFixture.quietly(() -> c.sql().status().streaming()
                        && fixture.psql(c, "SELECT count(*) FROM t WHERE x = 'on timeline 2'").equals("1")));
        assertEquals(2, c.observe().status().orElseThrow().timeline(), "a streaming standby: the receiver's timeline");

        assertTrue(c.follow(ServerRole.standbyWithoutSource(), noRestartpoints));
        PgFixture.await("c stops streaming", Duration.ofSeconds(30),
                () -> PgFixture.quietly(() -> c.sql().status().walReceiver().isEmpty()));
        ServerStatus raw = c.sql().status();
        assertEquals(1, raw.timeline(), "precondition: c's latest restartpoint is still on timeline 1");
        ServerStatus observed = c.observe().status().orElseThrow();
        assertEquals(2, observed.timeline(), "observe() reports the timeline c replayed");
        assertEquals(raw.replayLsn(), observed.replayLsn());

        // the divergence check of the HA loop, with either timeline: only the lagging one says "diverged"
        SourceTimeline history = b.sql().sourceTimeline();
        Lsn replayed = observed.replayLsn().orElseThrow();
        assertTrue(RewindDecision.decideForStandby(raw.timeline(), replayed, history).needed(),
                "the restartpoint's timeline makes c look diverged");
        RewindDecision decision = RewindDecision.decideForStandby(observed.timeline(), replayed, history);
        assertFalse(decision.needed(), decision.reason());

        // a refused replication connection leaves the restartpoint's timeline, as before
        PostgresSettings cs = c.settings();
        ReplayTimeline refused = new ReplayTimeline(new SqlConnector(cs.localHost(), cs.port(), cs.database(),
                Credentials.of(cs.replication().username(), "not-the-password"), cs.connectTimeout(),
                cs.queryTimeout()));
        assertEquals(1, refused.correct(raw).timeline());
    }
}
