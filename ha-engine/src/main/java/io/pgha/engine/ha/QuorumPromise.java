package io.pgha.engine.ha;

import io.pgha.spi.dcs.SyncState;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a quorum-commit {@code sync} key promises: every acknowledged commit is on at least {@link #required()} of the
 * {@link #voters()}. The key stores it as Patroni does, the voters and {@code quorum = |voters| - required}: a
 * candidate that hears from {@code quorum} other voters none of which is ahead of it holds every acknowledged commit,
 * because any {@code required} voters and any {@code quorum + 1} voters have one in common.
 *
 * <p>The same reading covers the keys of the other modes: {@code synchronous_mode: on} lists standbys that each hold
 * everything ({@code quorum} 0), and a key with no voters promises nothing beyond the leader.
 *
 * @param voters the members the promise is about, case-insensitively sorted
 * @param required how many of them hold each acknowledged commit (0 when there are no voters)
 */
record QuorumPromise(Set<String> voters, int required) {
    /** Only the leader holds everything. */
    static final QuorumPromise NOTHING = new QuorumPromise(Set.of(), 0);

    QuorumPromise {
        TreeSet<String> sorted = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        sorted.addAll(voters);
        if (required < 0 || required > sorted.size()) {
            throw new IllegalArgumentException("required must be between 0 and " + sorted.size() + ", was " + required);
        }
        // a promise about nobody is no promise: keep one spelling of it
        voters = required == 0 ? Set.of() : java.util.Collections.unmodifiableSet(sorted);
    }

    /** What {@code key} promises (a missing {@code quorum} means 0: every listed standby holds everything). */
    static QuorumPromise of(SyncState key) {
        int quorum = key.quorum().orElse(0);
        int required = Math.max(0, key.syncStandbys().size() - quorum);
        return new QuorumPromise(Set.copyOf(key.syncStandbys()), required);
    }

    /** The key's {@code quorum} field. */
    int quorum() {
        return voters.size() - required;
    }

    /**
     * Whether every commit that satisfies {@code other} also satisfies this promise: of {@code other.required} holders
     * among its voters, at most those outside this one's voters are lost.
     */
    boolean isImpliedBy(QuorumPromise other) {
        if (required == 0) {
            return true;
        }
        long outside = other.voters.stream().filter(v -> !containsIgnoreCase(voters, v)).count();
        return other.required - outside >= required;
    }

    /**
     * The strongest promise that both this one and {@code other} imply: over the union of their voters, the smaller of
     * the two counts. Published before {@code synchronous_standby_names} changes from one to the other, it holds for
     * the commits acknowledged before the change and for those after it.
     */
    QuorumPromise weakestWith(QuorumPromise other) {
        Set<String> union = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        union.addAll(voters);
        union.addAll(other.voters);
        return new QuorumPromise(union, Math.min(required, other.required));
    }

    private static boolean containsIgnoreCase(Set<String> names, String name) {
        return names.stream().anyMatch(name::equalsIgnoreCase);
    }
}
