package io.pgha.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("decision kinds read off the HA loop's sentences")
class DecisionKindsTest {

    @Test
    @DisplayName("every sentence of the decision tree that changes something gets the kind an operator expects")
    void sentences() {
        Map<String, EventKind> expected = new LinkedHashMap<>();
        expected.put("demoting self because i am not the healthiest node (n3 is ahead in WAL (5 > 4))", EventKind.DEMOTED);
        expected.put("following a different leader because i am not the healthiest node (n3 is ahead in WAL (5 > 4))",
                EventKind.CANDIDATE_REJECTED);
        expected.put("following a different leader because i am not the healthiest node (I am not allowed to promote "
                + "(nofailover))", EventKind.CANDIDATE_REJECTED);
        expected.put("demoted self after trying and failing to obtain lock", EventKind.DEMOTED);
        expected.put("following new leader after trying and failing to obtain lock", EventKind.LOCK_RACE_LOST);
        expected.put("acquired session lock as a leader", EventKind.LOCK_ACQUIRED);
        expected.put("promoted self to leader by acquiring session lock", EventKind.PROMOTED);
        expected.put("demoted self because failed to update leader lock in DCS", EventKind.DEMOTED);
        expected.put("not promoting because failed to update leader lock in DCS", EventKind.LOCK_LOST);
        expected.put("promoted self to leader because I had the session lock", EventKind.PROMOTED);
        expected.put("demoting self because I do not have the lock and I was a leader", EventKind.DEMOTED);
        expected.put("replica diverged from n1 (replayed 100 on timeline 1); running pg_rewind from n1, then starting "
                + "as a secondary", EventKind.REWIND);
        expected.put("not starting as primary because failed to update leader lock in DCS", EventKind.LOCK_LOST);
        expected.put("removed leader key after trying and failing to start postgres", EventKind.LOCK_RELEASED);
        expected.put("released the leader key to fail over at once after a crash (primary_start_timeout is 0)",
                EventKind.LOCK_RELEASED);
        expected.put("starting primary after failure", EventKind.POSTGRES);
        expected.put("starting as a secondary", EventKind.POSTGRES);
        expected.put("data directory diverged from the leader (n1) and cannot be rewound; not starting it",
                EventKind.REWIND);
        expected.put("pg_rewind from the leader (n1) failed; not starting the data directory", EventKind.REWIND);
        expected.put("running pg_rewind from n1, then starting as a secondary", EventKind.REWIND);
        expected.put("reinitializing due to diverged timelines", EventKind.REINITIALIZE);
        expected.put("released leader key voluntarily as data dir empty and currently leader", EventKind.LOCK_RELEASED);
        expected.put("failed to acquire initialize lock", EventKind.BOOTSTRAP);
        expected.put("bootstrapped from leader 'n1'", EventKind.BOOTSTRAP);
        expected.put("initialized a new cluster", EventKind.BOOTSTRAP);
        expected.put("stopped PostgreSQL while starting up because leader key was lost", EventKind.LOCK_LOST);
        expected.put("stopped PostgreSQL because of startup timeout and released the leader key",
                EventKind.LOCK_RELEASED);
        expected.put("switchover: demoted myself and released the lock to n2", EventKind.SWITCHOVER);
        expected.put("demoted self because DCS is not accessible and I was a leader (timeout)", EventKind.DEMOTED);
        expected.put("DCS is not accessible (timeout)", EventKind.DCS_UNREACHABLE);
        expected.put("no action. I am (n1), the leader with the lock", EventKind.DECISION);
        expected.put("no action. I am (n2), a secondary, and following a leader (n1)", EventKind.DECISION);
        expected.put("waiting for leader to bootstrap", EventKind.BOOTSTRAP);
        expected.forEach((sentence, kind) -> assertEquals(kind, DecisionKinds.of(sentence), sentence));
    }

    @Test
    @DisplayName("numbers and WAL positions do not make a sentence new")
    void shape() {
        assertEquals(DecisionKinds.shape("lag 100 at 0/3000060"), DecisionKinds.shape("lag 2048 at 0/5000000"));
    }
}
