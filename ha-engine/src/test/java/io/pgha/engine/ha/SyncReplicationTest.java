package io.pgha.engine.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.dcs.InMemoryDcs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("synchronous replication on the leader")
class SyncReplicationTest {
    static final DcsTimings TIMINGS = new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(10),
            Duration.ofSeconds(10));
    static final SyncPolicy ON = new SyncPolicy(true, false, 1, -1);
    static final SyncPolicy STRICT = new SyncPolicy(true, true, 1, -1);

    final InMemoryDcs store = new InMemoryDcs();
    final DcsClient leaderDcs = client("a");
    final FakeServer server = new FakeServer();
    final SyncReplication sync = new SyncReplication("a", leaderDcs, server);

    /** The parameter as the server last had it set, and the standbys it reports. */
    static final class FakeServer implements SyncStandbyControl {
        final List<Optional<String>> settings = new ArrayList<>();
        List<StandbyLink> links = List.of();

        @Override
        public List<StandbyLink> standbys() {
            return links;
        }

        @Override
        public void setSynchronousStandbyNames(Optional<String> value) {
            settings.add(value);
        }

        Optional<String> current() {
            return settings.isEmpty() ? Optional.empty() : settings.get(settings.size() - 1);
        }
    }

    DcsClient client(String name) {
        DcsClient c = store.open(FakeDcsContext.of("/service/", "batman", name, TIMINGS));
        c.publishMember(MemberData.builder().put("state", "running").put("role", name.equals("a") ? "primary"
                : "replica").build());
        return c;
    }

    @AfterEach
    void close() {
        store.close();
    }

    ClusterState cluster() {
        return leaderDcs.read();
    }

    Optional<SyncState> key() {
        return cluster().sync();
    }

    @Test
    @DisplayName("a standby is named in synchronous_standby_names first, published only once synchronous and caught "
            + "up with what was written after it was named")
    void addsThenPublishes() {
        client("b");
        assertEquals(Optional.of("Enabled synchronous replication"), sync.maintain(cluster(), 1000, ON));
        assertEquals(List.of(), key().orElseThrow().syncStandbys());
        assertEquals(Optional.of(""), server.current());

        server.links = List.of(new StandbyLink("b", "streaming", "async", 1000));
        assertEquals(Optional.of("synchronous_standby_names set to '\"b\"'"), sync.maintain(cluster(), 1000, ON));
        assertEquals(List.of(), key().orElseThrow().syncStandbys(), "not yet published");

        // the first cycle after the change fixes the position it must reach; the standby reports sync but lags
        server.links = List.of(new StandbyLink("b", "streaming", "sync", 1500));
        assertEquals(Optional.empty(), sync.maintain(cluster(), 2000, ON));
        assertEquals(List.of(), key().orElseThrow().syncStandbys(), "b has not flushed up to 2000 yet");

        server.links = List.of(new StandbyLink("b", "streaming", "sync", 2000));
        assertEquals(Optional.of("Synchronous standby status assigned to b"), sync.maintain(cluster(), 2100, ON));
        assertEquals(List.of("b"), key().orElseThrow().syncStandbys());
        assertEquals(Optional.of("a"), key().orElseThrow().leader());
    }

    @Test
    @DisplayName("a standby that goes away leaves the sync key before it leaves synchronous_standby_names")
    void removesFromKeyFirst() {
        client("b");
        publishedSync("b");
        server.links = List.of();
        int before = server.settings.size();
        assertEquals(Optional.of("Updating /sync key from [b] to []"), sync.maintain(cluster(), 3000, ON));
        assertEquals(List.of(), key().orElseThrow().syncStandbys());
        assertEquals(before, server.settings.size(), "the parameter still names b while the key is written");
        assertEquals(Optional.of("synchronous_standby_names set to ''"), sync.maintain(cluster(), 3000, ON));
        assertEquals(Optional.of(""), server.current());
    }

    @Test
    @DisplayName("strict mode never leaves the primary without a standby to wait for")
    void strictWaitsForAnyStandby() {
        client("b");
        sync.maintain(cluster(), 1000, STRICT);
        assertEquals(Optional.of("*"), server.current());
        publishedSync("b");
        server.links = List.of();
        sync.maintain(cluster(), 3000, STRICT);
        sync.maintain(cluster(), 3000, STRICT);
        assertEquals(Optional.of("*"), server.current());
        assertEquals(List.of(), key().orElseThrow().syncStandbys());
    }

    @Test
    @DisplayName("nosync members, non-members and lagging standbys are never chosen; the current one is kept")
    void choosesCandidates() {
        client("b");
        DcsClient c = client("c");
        c.publishMember(MemberData.builder().put("state", "running").put("role", "replica")
                .put("tags", Map.of("nosync", true)).build());
        client("d");
        SyncPolicy policy = new SyncPolicy(true, false, 1, 500);
        sync.maintain(cluster(), 1000, policy);
        server.links = List.of(new StandbyLink("c", "streaming", "async", 5000),
                new StandbyLink("pg_basebackup", "streaming", "async", 5000),
                new StandbyLink("b", "streaming", "async", 4000),
                new StandbyLink("d", "streaming", "async", 4900));
        sync.maintain(cluster(), 5000, policy);
        assertEquals(Optional.of("\"d\""), server.current(), "the most advanced eligible standby");
        server.links = List.of(new StandbyLink("b", "streaming", "async", 4000),
                new StandbyLink("d", "catchup", "async", 4900));
        sync.maintain(cluster(), 5000, policy);
        assertEquals(Optional.of(""), server.current(), "b lags more than maximum_lag_on_syncnode, d is not streaming");
    }

    @Test
    @DisplayName("several standbys: N (...) by priority, each published once confirmed")
    void nodeCount() {
        client("b");
        client("c");
        SyncPolicy two = new SyncPolicy(true, false, 2, -1);
        sync.maintain(cluster(), 1000, two);
        server.links = List.of(new StandbyLink("b", "streaming", "async", 1000),
                new StandbyLink("c", "streaming", "async", 900));
        sync.maintain(cluster(), 1000, two);
        assertEquals(Optional.of("2 (\"b\",\"c\")"), server.current());
        server.links = List.of(new StandbyLink("b", "streaming", "sync", 1200),
                new StandbyLink("c", "streaming", "sync", 1100));
        sync.maintain(cluster(), 1200, two);
        assertEquals(List.of("b"), key().orElseThrow().syncStandbys(), "c has not reached 1200");
    }

    @Test
    @DisplayName("promotion makes this member the key's leader with no standby, and waits when another wrote it")
    void beforePromote() {
        leaderDcs.writeSync(new SyncState(0, Optional.of("old"), List.of("a"), Optional.empty()), Precondition.any());
        ClusterState seen = cluster();
        assertEquals(Optional.empty(), sync.beforePromote(seen, STRICT));
        assertEquals(Optional.of("a"), key().orElseThrow().leader());
        assertEquals(List.of(), key().orElseThrow().syncStandbys());
        assertEquals(Optional.of("*"), server.current());

        SyncReplication other = new SyncReplication("b", client("b"), new FakeServer());
        assertTrue(other.beforePromote(seen, STRICT).orElseThrow().startsWith("Postponing promotion"),
                "b read the key before a changed it");
    }

    @Test
    @DisplayName("only the key's leader and synchronous standbys may be promoted")
    void authority() {
        SyncState s = new SyncState(3, Optional.of("a"), List.of("b"), Optional.empty());
        assertTrue(SyncReplication.mayPromote(s, "a"));
        assertTrue(SyncReplication.mayPromote(s, "B"));
        assertFalse(SyncReplication.mayPromote(s, "c"));
        leaderDcs.writeSync(s, Precondition.any());
        assertTrue(SyncReplication.authority(cluster(), ON).isPresent());
        assertTrue(SyncReplication.authority(cluster(), SyncPolicy.OFF).isEmpty());
    }

    @Test
    @DisplayName("turning synchronous mode off deletes the key, then gives the parameter back")
    void disable() {
        client("b");
        publishedSync("b");
        assertEquals(Optional.of("Disabled synchronous replication"), sync.maintain(cluster(), 3000, SyncPolicy.OFF));
        assertTrue(key().isEmpty());
        assertEquals(Optional.empty(), server.current());
        assertEquals(Optional.empty(), sync.maintain(cluster(), 3000, SyncPolicy.OFF));
    }

    @Test
    @DisplayName("names are quoted for synchronous_standby_names")
    void render() {
        assertEquals("", SyncReplication.render(List.of(), false));
        assertEquals("*", SyncReplication.render(List.of(), true));
        assertEquals("\"pg-1\"", SyncReplication.render(List.of("pg-1"), false));
        assertEquals("2 (\"a\"\"b\",\"c\")", SyncReplication.render(List.of("a\"b", "c"), true));
    }

    /** Drives the leader until {@code name} is published as synchronous. */
    private void publishedSync(String name) {
        sync.maintain(cluster(), 1000, ON);
        server.links = List.of(new StandbyLink(name, "streaming", "async", 1000));
        sync.maintain(cluster(), 1000, ON);
        server.links = List.of(new StandbyLink(name, "streaming", "sync", 2000));
        sync.maintain(cluster(), 2000, ON);
        sync.maintain(cluster(), 2000, ON);
        assertEquals(List.of(name), key().orElseThrow().syncStandbys());
    }
}
