package io.pgha.engine.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.dcs.SyncState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("quorum commit on the leader (synchronous_mode: quorum)")
class QuorumCommitTest extends SyncReplicationTest {
    static final SyncPolicy QUORUM = new SyncPolicy(true, false, 1, -1, Duration.ZERO, true);
    static final SyncPolicy QUORUM_2 = new SyncPolicy(true, false, 2, -1, Duration.ZERO, true);

    private static StandbyLink link(String name, String state, long flush) {
        return new StandbyLink(name, "streaming", state, flush);
    }

    private QuorumPromise promise() {
        return QuorumPromise.of(key().orElseThrow());
    }

    /** Runs leader cycles until nothing changes (bounded), returning what each said. */
    private List<String> settle(long lsn, SyncPolicy policy) {
        List<String> said = new java.util.ArrayList<>();
        int quiet = 0;
        for (int i = 0; i < 12; i++) {
            Optional<String> s = sync.maintain(cluster(), lsn, policy);
            s.ifPresent(said::add);
            // one quiet cycle may only fix the position to confirm from; two mean nothing is left to do
            quiet = s.isEmpty() ? quiet + 1 : 0;
            if (quiet == 2) {
                return said;
            }
        }
        throw new AssertionError("did not settle: " + said);
    }

    @Test
    @DisplayName("every eligible standby votes: ANY n over all of them, and the key lists them with quorum = voters - n")
    void votersAndQuorum() {
        client("b");
        client("c");
        settle(1000, QUORUM);
        assertEquals(Optional.of(""), server.current(), "no standby yet: asynchronous");
        server.links = List.of(link("b", "async", 1000), link("c", "async", 1000));
        sync.maintain(cluster(), 1000, QUORUM);
        assertEquals(Optional.of("ANY 1 (\"b\",\"c\")"), server.current());
        assertEquals(QuorumPromise.NOTHING, promise(), "nothing is published before the voters flushed past the change");
        sync.maintain(cluster(), 2000, QUORUM);
        server.links = List.of(link("b", "quorum", 2000), link("c", "quorum", 1500));
        assertEquals(Optional.of("Quorum commit: 1 of b,c (quorum 1)"), sync.maintain(cluster(), 2100, QUORUM));
        SyncState k = key().orElseThrow();
        assertEquals(List.of("b", "c"), k.syncStandbys());
        assertEquals(Optional.of(1), k.quorum());

        server.links = List.of(link("b", "quorum", 3000), link("c", "quorum", 3000));
        settle(3000, QUORUM_2);
        assertEquals(Optional.of("ANY 2 (\"b\",\"c\")"), server.current());
        assertEquals(new QuorumPromise(Set.of("b", "c"), 2), promise());
        assertEquals(Optional.of(0), key().orElseThrow().quorum());
    }

    @Test
    @DisplayName("a voter that leaves: the parameter drops it first, the key only once the others flushed past that")
    void voterLeaves() {
        client("b");
        client("c");
        client("d");
        server.links = List.of(link("b", "quorum", 1000), link("c", "quorum", 1000), link("d", "quorum", 1000));
        settle(1000, QUORUM);
        assertEquals(new QuorumPromise(Set.of("b", "c", "d"), 1), promise());

        // d goes: commits acknowledged by d alone exist, so {b,c} cannot be promised before b or c has them
        server.links = List.of(link("b", "quorum", 1000), link("c", "quorum", 1000));
        assertEquals(Optional.of("synchronous_standby_names set to 'ANY 1 (\"b\",\"c\")'"),
                sync.maintain(cluster(), 5000, QUORUM));
        assertEquals(new QuorumPromise(Set.of("b", "c", "d"), 1), promise(), "the old key holds for both");
        sync.maintain(cluster(), 5000, QUORUM);
        assertEquals(Optional.empty(), sync.maintain(cluster(), 5100, QUORUM), "b and c are behind the change");
        assertEquals(new QuorumPromise(Set.of("b", "c", "d"), 1), promise());
        server.links = List.of(link("b", "quorum", 5000), link("c", "quorum", 4000));
        sync.maintain(cluster(), 5200, QUORUM);
        assertEquals(new QuorumPromise(Set.of("b", "c"), 1), promise());
    }

    @Test
    @DisplayName("a voter that joins: the key is weakened to cover it before the parameter counts its vote")
    void voterJoins() {
        client("b");
        client("c");
        server.links = List.of(link("b", "quorum", 1000));
        settle(1000, QUORUM);
        assertEquals(new QuorumPromise(Set.of("b"), 1), promise());
        assertEquals(Optional.of("ANY 1 (\"b\")"), server.current());

        // c joins: under ANY 1 (b,c) c's vote alone acknowledges a commit, so the key must stop promising b first
        server.links = List.of(link("b", "quorum", 2000), link("c", "async", 2000));
        int before = server.settings.size();
        assertTrue(sync.maintain(cluster(), 2000, QUORUM).orElseThrow().startsWith("Updating /sync key temporarily"));
        assertEquals(before, server.settings.size(), "the key moves first");
        assertEquals(new QuorumPromise(Set.of("b", "c"), 1), promise());
        assertEquals(Optional.of("synchronous_standby_names set to 'ANY 1 (\"b\",\"c\")'"),
                sync.maintain(cluster(), 2000, QUORUM));

        // two wanted now: ANY 2 (b,c) makes the key stronger, so the parameter moves first and the key after
        server.links = List.of(link("b", "quorum", 3000), link("c", "quorum", 3000));
        assertEquals(Optional.of("synchronous_standby_names set to 'ANY 2 (\"b\",\"c\")'"),
                sync.maintain(cluster(), 3000, QUORUM_2));
        assertEquals(new QuorumPromise(Set.of("b", "c"), 1), promise(), "not stronger before they flushed past it");
        settle(3000, QUORUM_2);
        assertEquals(new QuorumPromise(Set.of("b", "c"), 2), promise());
    }

    @Test
    @DisplayName("strict quorum with no voter waits for any standby, and the key promises only the leader")
    void strictWithoutVoters() {
        client("b");
        server.links = List.of(link("b", "quorum", 1000));
        SyncPolicy strict = new SyncPolicy(true, true, 1, -1, Duration.ZERO, true);
        settle(1000, strict);
        assertEquals(new QuorumPromise(Set.of("b"), 1), promise());
        server.links = List.of();
        settle(2000, strict);
        assertEquals(Optional.of("*"), server.current());
        assertEquals(QuorumPromise.NOTHING, promise());
    }

    @Test
    @DisplayName("switching from quorum to on restarts from the leader alone: a quorum voter may lack commits")
    void quorumToOn() {
        client("b");
        client("c");
        server.links = List.of(link("b", "quorum", 1000), link("c", "quorum", 1000));
        settle(1000, QUORUM);
        assertEquals(Optional.of(1), key().orElseThrow().quorum());
        assertTrue(sync.maintain(cluster(), 1000, ON).orElseThrow().contains("to the leader alone"));
        assertEquals(List.of(), key().orElseThrow().syncStandbys());
    }

    @Test
    @DisplayName("the promise arithmetic: implication and the weakest common promise")
    void promiseArithmetic() {
        QuorumPromise twoOfThree = new QuorumPromise(Set.of("a", "b", "c"), 2);
        QuorumPromise oneOfTwo = new QuorumPromise(Set.of("a", "b"), 1);
        assertTrue(oneOfTwo.isImpliedBy(twoOfThree), "2 of a,b,c leaves at least 1 of a,b");
        assertFalse(twoOfThree.isImpliedBy(oneOfTwo));
        assertFalse(oneOfTwo.isImpliedBy(QuorumPromise.NOTHING));
        assertTrue(QuorumPromise.NOTHING.isImpliedBy(oneOfTwo));
        assertEquals(new QuorumPromise(Set.of("a", "b", "c"), 1), twoOfThree.weakestWith(oneOfTwo));
        assertEquals(1, twoOfThree.quorum());
        assertEquals(QuorumPromise.NOTHING, new QuorumPromise(Set.of("a"), 0));
    }
}
