package io.pgha.engine.ha;

import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous replication, as Patroni's {@code synchronous_mode} has it. The DCS {@code sync} key is the truth about
 * which members hold every acknowledged commit, so only they (and the leader named in it) may be promoted. The leader
 * keeps two things in step, in an order that never overstates what the key promises:
 * <ul>
 *   <li>a standby is named in {@code synchronous_standby_names} first, and published in the key only once it reports
 *       as synchronous and has flushed everything written since it was named;</li>
 *   <li>a standby leaves the key first, and {@code synchronous_standby_names} afterwards.</li>
 * </ul>
 * In strict mode the primary never runs with an empty {@code synchronous_standby_names}: with no candidate it waits
 * for any standby ({@code *}), so no commit is acknowledged that only the primary holds.
 *
 * <p>Quorum commit ({@code synchronous_mode: quorum}, as Patroni 4 has it): every eligible streaming standby votes,
 * each commit waits for {@code synchronous_node_count} of them ({@code ANY n (...)}), and the key lists the voters
 * with {@code quorum = voters - n} (see {@link QuorumPromise}). The same order holds: before
 * {@code synchronous_standby_names} changes, the key is weakened until it is true of the commits before the change
 * and of those after it; it is tightened only once enough voters flushed past the change.
 */
final class SyncReplication {
    private static final Logger LOG = LoggerFactory.getLogger(SyncReplication.class);

    private final String me;
    private final DcsClient dcs;
    private final SyncStandbyControl server;

    /** What this member last set; empty when it does not manage the parameter. */
    private Optional<String> applied = Optional.empty();
    /**
     * The primary's WAL position from which the standbys named in {@link #applied} are known to be waited for; -1
     * until the first cycle after the change, when every backend has taken the new setting.
     */
    private long confirmFromLsn = -1;

    SyncReplication(String me, DcsClient dcs, SyncStandbyControl server) {
        this.me = me;
        this.dcs = dcs;
        this.server = server;
    }

    /**
     * The sync key when it restricts promotion: synchronous mode is on and the key names a leader. Members neither
     * that leader nor listed as synchronous standbys may then hold acknowledged commits they lack.
     */
    static Optional<SyncState> authority(ClusterState cluster, SyncPolicy policy) {
        return policy.enabled() ? cluster.sync().filter(s -> s.leader().isPresent()) : Optional.empty();
    }

    /** Whether {@code member} may be promoted under {@code authority}. */
    static boolean mayPromote(SyncState authority, String member) {
        return authority.leader().filter(member::equalsIgnoreCase).isPresent() || authority.isSyncStandby(member);
    }

    /**
     * Before this member promotes: it becomes the key's leader, with no synchronous standby yet, so that nothing it
     * cannot vouch for is published; in strict mode its commits wait for a standby from the first one on.
     *
     * @return why the promotion must wait, if it must
     */
    Optional<String> beforePromote(ClusterState cluster, SyncPolicy policy) {
        if (!policy.enabled()) {
            return Optional.empty();
        }
        Optional<SyncState> current = cluster.sync();
        boolean alreadyMine = current.filter(this::isMine).filter(s -> s.syncStandbys().isEmpty()).isPresent();
        if (!alreadyMine && !dcs.writeSync(state(List.of()), versionOf(current))) {
            return Optional.of("Postponing promotion because synchronous replication state was updated by somebody "
                    + "else");
        }
        apply(policy.strict() ? "*" : "");
        return Optional.empty();
    }

    /**
     * One leader cycle on a running primary at WAL position {@code primaryLsn}.
     *
     * @return what changed, for the operator's diary; empty when nothing did
     */
    Optional<String> maintain(ClusterState cluster, long primaryLsn, SyncPolicy policy) {
        if (!policy.enabled()) {
            return disable(cluster);
        }
        Optional<SyncState> current = cluster.sync();
        if (current.filter(this::isMine).isEmpty()) {
            if (!dcs.writeSync(state(List.of()), versionOf(current))) {
                return Optional.of("Synchronous replication key updated by someone else");
            }
            apply(policy.strict() ? "*" : "");
            return Optional.of("Enabled synchronous replication");
        }
        SyncState sync = current.get();
        if (policy.quorum()) {
            return maintainQuorum(cluster, primaryLsn, policy, sync);
        }
        if (sync.quorum().orElse(0) > 0) {
            // a quorum key does not say that each voter holds everything: start over from the leader alone
            if (!dcs.writeSync(state(List.of()), Precondition.version(sync.version()))) {
                return Optional.of("Synchronous replication key updated by someone else");
            }
            return Optional.of("Updating /sync key from quorum " + sync.syncStandbys() + " to the leader alone");
        }
        if (applied.isEmpty()) {
            // an agent restarted under a running primary: take the parameter over from what the key says
            List<String> published = sync.syncStandbys();
            apply(render(published, policy.strict()));
            return Optional.of("took over synchronous_standby_names: " + applied.get());
        }
        if (confirmFromLsn < 0) {
            confirmFromLsn = primaryLsn;
        }
        Map<String, StandbyLink> links = streamingMembers(cluster);
        List<String> picks = links.values().stream()
                .filter(l -> policy.maximumLagOnSyncnode() < 0
                        || primaryLsn - l.flushLsn() <= policy.maximumLagOnSyncnode())
                .sorted(Comparator.comparing((StandbyLink l) -> !sync.isSyncStandby(l.name()))
                        .thenComparing(Comparator.comparingLong(StandbyLink::flushLsn).reversed())
                        .thenComparing(StandbyLink::name))
                .limit(policy.nodeCount()).map(StandbyLink::name).toList();

        List<String> kept = sync.syncStandbys().stream().filter(n -> containsIgnoreCase(picks, n)).toList();
        if (!kept.equals(sync.syncStandbys())) {
            if (!dcs.writeSync(state(kept), Precondition.version(sync.version()))) {
                return Optional.of("Synchronous replication key updated by someone else");
            }
            return Optional.of("Updating /sync key from " + sync.syncStandbys() + " to " + kept);
        }
        String wanted = render(picks, policy.strict());
        if (!applied.get().equals(wanted)) {
            apply(wanted);
            return Optional.of("synchronous_standby_names set to '" + wanted + "'");
        }
        TreeSet<String> confirmed = new TreeSet<>(kept);
        for (String name : picks) {
            StandbyLink l = links.get(name);
            if (l.syncState().equals("sync") && l.flushLsn() >= confirmFromLsn) {
                confirmed.add(name);
            }
        }
        List<String> next = List.copyOf(confirmed);
        if (next.equals(sync.syncStandbys())) {
            return Optional.empty();
        }
        if (!dcs.writeSync(state(next), Precondition.version(sync.version()))) {
            return Optional.of("Synchronous replication key updated by someone else");
        }
        return Optional.of("Synchronous standby status assigned to " + String.join(",", next));
    }

    /** One leader cycle in quorum-commit mode; {@code sync} is this leader's key. */
    private Optional<String> maintainQuorum(ClusterState cluster, long primaryLsn, SyncPolicy policy, SyncState sync) {
        QuorumPromise key = QuorumPromise.of(sync);
        if (applied.isEmpty()) {
            apply(renderQuorum(key, policy.strict()));
            return Optional.of("took over synchronous_standby_names: " + applied.get());
        }
        Map<String, StandbyLink> links = streamingMembers(cluster);
        List<String> active = links.values().stream()
                .filter(l -> policy.maximumLagOnSyncnode() < 0
                        || primaryLsn - l.flushLsn() <= policy.maximumLagOnSyncnode())
                .map(StandbyLink::name).sorted().toList();
        QuorumPromise target = new QuorumPromise(new TreeSet<>(active), Math.min(policy.nodeCount(), active.size()));
        String wanted = renderQuorum(target, policy.strict());
        if (!applied.get().equals(wanted)) {
            if (!key.isImpliedBy(target)) {
                QuorumPromise weaker = key.weakestWith(target);
                if (!dcs.writeSync(quorumState(weaker), Precondition.version(sync.version()))) {
                    return Optional.of("Synchronous replication key updated by someone else");
                }
                return Optional.of("Updating /sync key temporarily from " + describe(key) + " to " + describe(weaker));
            }
            apply(wanted);
            return Optional.of("synchronous_standby_names set to '" + wanted + "'");
        }
        if (confirmFromLsn < 0) {
            confirmFromLsn = primaryLsn;
            return Optional.empty();
        }
        if (key.equals(target) && sync.quorum().isPresent()) {
            return Optional.empty();
        }
        // the target holds for every commit since the change; for those before, the old key must imply it, or enough
        // voters must have flushed past the change
        long flushedPast = active.stream().map(links::get)
                .filter(l -> (l.syncState().equals("quorum") || l.syncState().equals("sync"))
                        && l.flushLsn() >= confirmFromLsn)
                .count();
        if (!target.isImpliedBy(key) && flushedPast < target.required()) {
            return Optional.empty();
        }
        if (!dcs.writeSync(quorumState(target), Precondition.version(sync.version()))) {
            return Optional.of("Synchronous replication key updated by someone else");
        }
        return Optional.of("Quorum commit: " + describe(target));
    }

    private SyncState quorumState(QuorumPromise p) {
        return new SyncState(0, Optional.of(me), List.copyOf(p.voters()), Optional.of(p.quorum()));
    }

    private static String describe(QuorumPromise p) {
        return p.required() == 0 ? "the leader alone"
                : p.required() + " of " + String.join(",", p.voters()) + " (quorum " + p.quorum() + ")";
    }

    /**
     * {@code synchronous_standby_names} for a quorum: {@code ANY n (...)} over the voters; with none, {@code *} in
     * strict mode (wait for any standby) and empty otherwise.
     */
    static String renderQuorum(QuorumPromise p, boolean strict) {
        if (p.required() == 0) {
            return strict ? "*" : "";
        }
        List<String> quoted = new ArrayList<>();
        for (String n : p.voters()) {
            quoted.add('"' + n.replace("\"", "\"\"") + '"');
        }
        return "ANY " + p.required() + " (" + String.join(",", quoted) + ")";
    }

    /** This member stopped being the primary: what it set no longer speaks for the cluster. */
    void demoted() {
        applied = Optional.empty();
        confirmFromLsn = -1;
    }

    private Optional<String> disable(ClusterState cluster) {
        Optional<SyncState> current = cluster.sync();
        if (current.isEmpty() && applied.isEmpty()) {
            return Optional.empty();
        }
        if (current.isPresent() && !dcs.clearSync(Precondition.version(current.get().version()))) {
            return Optional.of("Synchronous replication key updated by someone else");
        }
        applied = Optional.empty();
        confirmFromLsn = -1;
        server.setSynchronousStandbyNames(Optional.empty());
        return Optional.of("Disabled synchronous replication");
    }

    /** Streaming standbys that are members allowed to be synchronous, by member name. */
    private Map<String, StandbyLink> streamingMembers(ClusterState cluster) {
        Map<String, Member> members = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        cluster.members().forEach(m -> members.put(m.name(), m));
        Map<String, StandbyLink> out = new TreeMap<>();
        for (StandbyLink l : server.standbys()) {
            Member m = members.get(l.name());
            if (!l.streaming() || m == null || m.name().equalsIgnoreCase(me)
                    || MemberIdentity.truthy(m.data().tags().get("nosync"))) {
                continue;
            }
            // two senders with one name (a base backup beside the standby): keep the most advanced
            out.merge(m.name(), new StandbyLink(m.name(), l.state(), l.syncState(), l.flushLsn()),
                    (a, b) -> a.flushLsn() >= b.flushLsn() ? a : b);
        }
        return out;
    }

    private void apply(String value) {
        server.setSynchronousStandbyNames(Optional.of(value));
        if (!applied.equals(Optional.of(value))) {
            LOG.info("synchronous_standby_names = '{}'", value);
        }
        applied = Optional.of(value);
        confirmFromLsn = -1;
    }

    private boolean isMine(SyncState s) {
        return s.leader().filter(me::equalsIgnoreCase).isPresent();
    }

    private SyncState state(List<String> standbys) {
        return new SyncState(0, Optional.of(me), List.copyOf(new TreeSet<>(standbys)), Optional.empty());
    }

    private static Precondition versionOf(Optional<SyncState> s) {
        return s.map(v -> Precondition.version(v.version())).orElse(Precondition.absent());
    }

    private static boolean containsIgnoreCase(List<String> names, String name) {
        return names.stream().anyMatch(name::equalsIgnoreCase);
    }

    /**
     * {@code synchronous_standby_names} for {@code names} in priority order: one quoted name, or {@code N (...)} for
     * several; with none, {@code *} in strict mode (wait for any standby) and empty otherwise.
     */
    static String render(List<String> names, boolean strict) {
        if (names.isEmpty()) {
            return strict ? "*" : "";
        }
        List<String> quoted = new ArrayList<>();
        for (String n : names) {
            quoted.add('"' + n.replace("\"", "\"\"") + '"');
        }
        return names.size() == 1 ? quoted.get(0)
                : names.size() + " (" + quoted.stream().collect(Collectors.joining(",")) + ")";
    }
}
