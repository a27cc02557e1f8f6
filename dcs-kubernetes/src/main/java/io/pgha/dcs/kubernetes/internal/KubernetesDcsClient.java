package io.pgha.dcs.kubernetes.internal;

import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.dcs.PatroniLayout.RawValue;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import io.pgha.spi.json.Json;
import io.pgha.spi.json.JsonException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's Kubernetes layout through the API server: the leader lock, config, failover and sync as annotations on
 * ConfigMaps (or Endpoints), members as the {@code status} annotation of their own pods.
 *
 * <h2>Locks without server-side expiry</h2>
 * The API server never expires anything. The lock holder rewrites {@code renewTime} on every refresh; every member
 * judges the lock expired when the lock record has not changed for its {@code ttl} on its own clock
 * ({@link Observations}). Acquiring an expired lock is a compare-and-set on the object's {@code resourceVersion}, so
 * of several members that judge it expired at once exactly one wins; the others get 409, a lost race.
 *
 * <h2>Members</h2>
 * The member's pod must exist (its name is the member name): {@link #publishMember} patches the pod's
 * {@code status} annotation and role labels, and fails with a message saying so when there is no such pod. Each
 * publish also rewrites pgha's heartbeat annotation, by which the other members judge a member whose agent died
 * gone after ttl, like the lock (on their own clocks, from when they first saw that heartbeat). {@link #close()}
 * clears the member's record, as a closing ZooKeeper session drops its ephemeral node.
 *
 * <p>Thread-safe.
 */
public final class KubernetesDcsClient implements DcsClient {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesDcsClient.class);
    /** How long after the computed expiry the watch wakes the loop (see {@link #scheduleExpiryWake}). */
    private static final Duration EXPIRY_WAKE_GRACE = Duration.ofMillis(250);
    private static final String LEADER_KEY = "leader";

    private final KubernetesClient k8s;
    private final ApiCalls api;
    private final KubernetesSettings settings;
    private final ClusterObjects objects;
    private final String scope;
    private final String member;
    private final Clock clock;
    private final Observations seen = new Observations(System::nanoTime);
    private final ClusterWatch watch;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<Object> lastNotifiedLeader = new AtomicReference<>();
    private final AtomicReference<Observations.Seen> expiryWakeFor = new AtomicReference<>();
    private volatile DcsTimings timings;
    private volatile boolean configServiceReady;
    /** Until when this member holds the lock by its own last write ({@link System#nanoTime()}); for the role label. */
    private volatile long ownLockUntil = System.nanoTime();

    KubernetesDcsClient(KubernetesClient k8s, ApiCalls api, KubernetesSettings settings, String scope, String member,
            DcsTimings timings, Clock clock, String server) {
        this.k8s = k8s;
        this.api = api;
        this.settings = settings;
        this.scope = scope;
        this.member = member;
        this.clock = clock;
        this.timings = timings;
        this.objects = new ClusterObjects(k8s, api, settings, scope);
        this.watch = new ClusterWatch(k8s, objects, scope, this::kindChanged);
        this.watch.start();
        LOG.info("Kubernetes DCS client for scope {} as member {} at {}: {} {}/{} (+ -config, -failover, -sync), "
                + "members as pods with labels {}", scope, member, server, objects.kindName(), settings.namespace(),
                objects.leaderName, objects.selector());
        logTimings("opened", timings);
        if (!KubernetesSettings.isPodName(member)) {
            LOG.warn("member name '{}' cannot be a pod name (lower-case letters, digits, '-' and '.'): on Kubernetes "
                    + "the member's record lives on the pod of that name", member);
        }
    }

    private void logTimings(String what, DcsTimings t) {
        LOG.info("Kubernetes DCS client {} with ttl {} s, loop_wait {} s, retry_timeout {} s: the API server expires "
                + "nothing, so each member judges a dead leader's lock free {} s after it last saw it renewed (through "
                + "its watch, normally within a second of the renewal) and is woken then: a replica takes over about "
                + "{} s after the leader's last renewal, plus the leader race (at most {} s)", what, seconds(t.ttl()),
                seconds(t.loopWait()), seconds(t.retryTimeout()), seconds(t.ttl()), seconds(t.ttl()),
                seconds(t.retryTimeout()));
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.format(java.util.Locale.ROOT, "%.1f", ms / 1000.0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the leader lock
    // ---------------------------------------------------------------------------------------------------------------

    /** The lock as read, judged from this client. */
    private record LockView(Optional<HasMetadata> obj, Map<String, String> ann, Optional<String> holder,
            boolean expired) {
        boolean free() {
            return holder.isEmpty() || holder.get().isBlank() || expired;
        }

        boolean heldBy(String name) {
            return holder.isPresent() && holder.get().equals(name) && !expired;
        }

        Optional<String> resourceVersion() {
            return obj.map(o -> o.getMetadata().getResourceVersion());
        }
    }

    private static Map<String, String> annotations(Optional<HasMetadata> obj) {
        return obj.map(KubernetesDcsClient::annotations).orElse(Map.of());
    }

    /** The annotations that have a value (a merge patch's null removes an annotation; see KubernetesMockTest). */
    static Map<String, String> annotations(HasMetadata obj) {
        Map<String, String> a = obj.getMetadata().getAnnotations();
        if (a == null || a.isEmpty()) {
            return Map.of();
        }
        if (!a.containsValue(null)) {
            return a;
        }
        Map<String, String> clean = new LinkedHashMap<>();
        a.forEach((k, v) -> {
            if (v != null) {
                clean.put(k, v);
            }
        });
        return clean;
    }

    private static List<String> memberRecord(Map<String, String> a) {
        return Arrays.asList(a.get(Annotations.STATUS), a.get(Annotations.MEMBER_RENEW));
    }

    private static List<String> leaderRecord(Map<String, String> ann) {
        return Arrays.asList(Annotations.LEADER_RECORD.stream().map(ann::get).toArray(String[]::new));
    }

    /** The ttl the holder wrote into the lock (Patroni's members each use the holder's), else ours. */
    private Duration lockTtl(Map<String, String> ann) {
        String t = ann.get(Annotations.TTL);
        if (t != null) {
            try {
                double s = Double.parseDouble(t.trim());
                if (s > 0) {
                    return Duration.ofMillis((long) (s * 1000));
                }
            } catch (NumberFormatException e) {
                // fall through to our own ttl, as Patroni does
            }
        }
        return timings.ttl();
    }

    private LockView view(Optional<HasMetadata> obj) {
        Map<String, String> ann = annotations(obj);
        Observations.Seen s = seen.observe(LEADER_KEY, leaderRecord(ann));
        Optional<String> holder = Optional.ofNullable(ann.get(Annotations.LEADER));
        Duration ttl = lockTtl(ann);
        boolean expired = holder.isPresent() && !holder.get().isBlank() && s.expired(ttl, seen.now());
        if (holder.isPresent() && !holder.get().isBlank() && !expired) {
            scheduleExpiryWake(s, ttl);
        }
        return new LockView(obj, ann, holder, expired);
    }

    /**
     * Wakes the listeners when the lock, unchanged, will be judged expired. A little after that moment: the other
     * members judge it from their own observation of the same write, made a few milliseconds apart, and a loop woken
     * a quarter second late costs less than one woken to a lock that still looks held.
     */
    private void scheduleExpiryWake(Observations.Seen s, Duration ttl) {
        if (!watch.hasListeners() || expiryWakeFor.getAndSet(s) == s) {
            return;
        }
        watch.wakeAt(s.expiresAt(ttl) + EXPIRY_WAKE_GRACE.toNanos(), () -> {
            if (expiryWakeFor.get() == s) {
                LOG.debug("leader lock of scope {} unchanged for its ttl: waking the loop", scope);
                watch.notifyListeners(ChangeKind.LEADER);
            }
        });
    }

    private ChangeKind kindChanged(HasMetadata obj, boolean deleted, boolean pod) {
        String name = obj.getMetadata().getName();
        if (pod) {
            Map<String, String> a = annotations(obj);
            if (!deleted && a.containsKey(Annotations.MEMBER_RENEW)) {
                seen.observe(memberKey(name), memberRecord(a));
            }
            return ChangeKind.MEMBERS;
        }
        if (name.equals(objects.leaderName)) {
            LockView v = view(deleted ? Optional.empty() : Optional.of(obj));
            Object record = leaderRecord(v.ann());
            Object before = lastNotifiedLeader.getAndSet(record);
            return record.equals(before) ? ChangeKind.STATUS : ChangeKind.LEADER;
        }
        if (name.equals(objects.configName)) {
            return ChangeKind.CONFIG;
        }
        if (name.equals(objects.failoverName)) {
            return ChangeKind.FAILOVER;
        }
        if (name.equals(objects.syncName)) {
            return ChangeKind.OTHER;
        }
        return null;
    }

    private Map<String, String> lockAnnotations(LockView previous) {
        String now = Annotations.timestamp(OffsetDateTime.now(clock));
        Map<String, String> a = new LinkedHashMap<>();
        a.put(Annotations.LEADER, member);
        boolean newHolder = previous.holder().map(h -> !h.equals(member)).orElse(true);
        if (newHolder || !previous.ann().containsKey(Annotations.ACQUIRE_TIME)) {
            a.put(Annotations.ACQUIRE_TIME, now);
        }
        a.put(Annotations.RENEW_TIME, now);
        // whole seconds, rounded up: readers then never expire the lock before the holder itself gives it up
        a.put(Annotations.TTL, String.valueOf((timings.ttl().toMillis() + 999) / 1000));
        long transitions = 0;
        try {
            transitions = Long.parseLong(previous.ann().getOrDefault(Annotations.TRANSITIONS, "0").trim());
        } catch (NumberFormatException e) {
            transitions = 0;
        }
        if (newHolder && previous.holder().filter(h -> !h.isBlank()).isPresent()) {
            transitions++;
        }
        a.put(Annotations.TRANSITIONS, String.valueOf(transitions));
        return a;
    }

    private Optional<List<EndpointSubset>> leaderSubsets() {
        return settings.useEndpoints() ? Optional.of(objects.leaderSubsets()) : Optional.empty();
    }

    private void wroteLock(HasMetadata written, long writtenAt) {
        seen.wrote(LEADER_KEY, leaderRecord(annotations(written)), writtenAt);
        ownLockUntil = writtenAt + timings.ttl().toNanos();
    }

    @Override
    public boolean acquireLeader() {
        checkOpen();
        long deadline = deadline();
        while (true) {
            long t0 = seen.now();
            LockView v = view(objects.get(objects.leaderName));
            if (!v.free()) {
                return false;
            }
            Map<String, String> ann = lockAnnotations(v);
            try {
                HasMetadata written = v.obj().isEmpty()
                        ? objects.create(objects.leaderName, ann, leaderSubsets())
                        : objects.patch(objects.leaderName, ann, v.resourceVersion(), leaderSubsets());
                wroteLock(written, t0);
                LOG.info("member {} took the leader lock of scope {}{}", member, scope,
                        v.holder().filter(h -> !h.isBlank()).map(h -> " (expired lock of " + h + ")").orElse(""));
                return true;
            } catch (ApiCalls.Answer e) {
                if (e.conflict()) {
                    return false;
                }
                if (!e.notFound() || System.nanoTime() - deadline > 0) {
                    throw refused(e);
                }
                // deleted between our read and our write: race for it again
            }
        }
    }

    @Override
    public boolean refreshLeader() {
        checkOpen();
        long deadline = deadline();
        while (true) {
            long t0 = seen.now();
            LockView v = view(objects.get(objects.leaderName));
            if (!v.heldBy(member)) {
                ownLockUntil = System.nanoTime();
                if (v.holder().filter(member::equals).isPresent()) {
                    LOG.warn("leader lock of scope {} expired before member {} refreshed it", scope, member);
                }
                return false;
            }
            Map<String, String> ann = new LinkedHashMap<>();
            ann.put(Annotations.LEADER, member);
            ann.put(Annotations.RENEW_TIME, Annotations.timestamp(OffsetDateTime.now(clock)));
            ann.put(Annotations.TTL, String.valueOf((timings.ttl().toMillis() + 999) / 1000));
            try {
                wroteLock(objects.patch(objects.leaderName, ann, v.resourceVersion(), leaderSubsets()), t0);
                return true;
            } catch (ApiCalls.Answer e) {
                if (e.notFound()) {
                    return false;
                }
                if (!e.conflict()) {
                    throw refused(e);
                }
                // the object changed since we read it (a status write, or another member): read again, as Patroni
                if (System.nanoTime() - deadline > 0) {
                    throw new DcsUnavailableException("could not refresh the leader lock of scope " + scope
                            + " within retry_timeout: every write met a newer version of " + objects.leaderName);
                }
            }
        }
    }

    @Override
    public boolean releaseLeader() {
        checkOpen();
        long deadline = deadline();
        while (true) {
            LockView v = view(objects.get(objects.leaderName));
            if (v.holder().filter(member::equals).isEmpty()) {
                return false;
            }
            Map<String, String> ann = new LinkedHashMap<>();
            ann.put(Annotations.LEADER, null);
            try {
                HasMetadata written = objects.patch(objects.leaderName, ann, v.resourceVersion(),
                        settings.useEndpoints() ? Optional.of(List.of()) : Optional.empty());
                // (no subsets: the Service without a selector routes nowhere until the next leader publishes)
                seen.observe(LEADER_KEY, leaderRecord(annotations(written)));
                ownLockUntil = System.nanoTime();
                LOG.info("member {} released the leader lock of scope {}", member, scope);
                return true;
            } catch (ApiCalls.Answer e) {
                if (e.notFound()) {
                    return false;
                }
                if (!e.conflict()) {
                    throw refused(e);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new DcsUnavailableException("could not release the leader lock of scope " + scope
                            + " within retry_timeout: every write met a newer version of " + objects.leaderName);
                }
            }
        }
    }

    @Override
    public void takeLeader() {
        checkOpen();
        long t0 = seen.now();
        LockView v = view(objects.get(objects.leaderName));
        Map<String, String> ann = lockAnnotations(v);
        wroteLock(upsert(objects.leaderName, ann, leaderSubsets()), t0);
        LOG.info("member {} wrote the leader lock of scope {} unconditionally{}", member, scope,
                v.holder().filter(h -> !h.isBlank() && !h.equals(member)).map(h -> " (it was " + h + "'s)")
                        .orElse(""));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // members
    // ---------------------------------------------------------------------------------------------------------------

    private String roleLabelValue(MemberData data, boolean holder) {
        String role = data.role().orElse("");
        if (holder) {
            return role.equals("standby_leader") ? settings.standbyLeaderLabelValue() : settings.leaderLabelValue();
        }
        if (data.state().filter("running"::equals).isPresent() && !role.isEmpty() && !role.equals("primary")
                && !role.equals("master")) {
            return role.equals("replica") ? settings.followerLabelValue() : role;
        }
        return null;
    }

    @Override
    public void publishMember(MemberData data) {
        checkOpen();
        long t0 = seen.now();
        boolean holder = System.nanoTime() - ownLockUntil < 0;
        Map<String, String> labels = new LinkedHashMap<>(objects.selector());
        String roleValue = roleLabelValue(data, holder);
        labels.put(settings.roleLabel(), roleValue);
        settings.tmpRoleLabel().ifPresent(l -> labels.put(l, holder ? "master" : roleValue == null ? null
                : data.role().orElse(null)));
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.STATUS, data.toJson());
        ann.put(Annotations.MEMBER_RENEW, Annotations.timestamp(OffsetDateTime.now(clock)));
        try {
            Pod pod = objects.patchPod(member, labels, ann);
            seen.wrote(memberKey(member), memberRecord(annotations(pod)), t0);
        } catch (ApiCalls.Answer e) {
            if (e.notFound()) {
                throw new DcsUnavailableException("there is no pod " + settings.namespace() + "/" + member
                        + ": on Kubernetes a member's record is an annotation of its own pod, so the agent must run "
                        + "in a pod named after the member (name: " + member + "), as Patroni requires");
            }
            throw refused(e);
        }
    }

    @Override
    public void deleteMember() {
        checkOpen();
        try {
            objects.patchPod(member, memberLabelsCleared(), memberAnnotationsCleared());
        } catch (ApiCalls.Answer e) {
            if (!e.notFound()) {
                throw refused(e);
            }
        }
        seen.forget(memberKey(member));
    }

    private Map<String, String> memberLabelsCleared() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(settings.roleLabel(), null);
        settings.tmpRoleLabel().ifPresent(l -> labels.put(l, null));
        return labels;
    }

    private static Map<String, String> memberAnnotationsCleared() {
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.STATUS, null);
        ann.put(Annotations.MEMBER_RENEW, null);
        return ann;
    }

    private static String memberKey(String name) {
        return "member/" + name;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // status, failsafe, config, failover, sync, history, initialize
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public void writeStatus(LeaderStatus status) {
        checkOpen();
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.OPTIME, String.valueOf(status.optime()));
        ann.put(Annotations.SLOTS, Json.write(status.slots()));
        ann.put(Annotations.RETAIN_SLOTS, status.retainSlots().isEmpty() ? null : Json.write(status.retainSlots()));
        upsert(objects.leaderName, ann, Optional.empty());
    }

    @Override
    public void writeFailsafe(Map<String, String> members) {
        checkOpen();
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.FAILSAFE, PatroniLayout.encodeFailsafe(members));
        upsert(objects.leaderName, ann, Optional.empty());
    }

    @Override
    public boolean writeConfig(Map<String, Object> config, Precondition precondition) {
        checkOpen();
        return write(objects.configName, Map.of(Annotations.CONFIG, PatroniLayout.encodeConfig(config)), precondition,
                a -> a.containsKey(Annotations.CONFIG));
    }

    @Override
    public boolean writeHistory(List<HistoryEntry> history, Precondition precondition) {
        checkOpen();
        return write(objects.configName, Map.of(Annotations.HISTORY, PatroniLayout.encodeHistory(history)),
                precondition, a -> a.containsKey(Annotations.HISTORY));
    }

    @Override
    public boolean writeInitialize(String value, Precondition precondition) {
        checkOpen();
        return write(objects.configName, Map.of(Annotations.INITIALIZE, value), precondition,
                a -> a.containsKey(Annotations.INITIALIZE));
    }

    @Override
    public void cancelInitialization() {
        checkOpen();
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.INITIALIZE, null);
        try {
            objects.patch(objects.configName, ann, Optional.empty(), Optional.empty());
        } catch (ApiCalls.Answer e) {
            if (!e.notFound()) {
                throw refused(e);
            }
        }
    }

    private static boolean failoverPresent(Map<String, String> a) {
        return notBlank(a.get(Annotations.FAILOVER_LEADER)) || notBlank(a.get(Annotations.FAILOVER_MEMBER));
    }

    private static boolean syncPresent(Map<String, String> a) {
        return a.containsKey(Annotations.SYNC_LEADER) || a.containsKey(Annotations.SYNC_STANDBY)
                || a.containsKey(Annotations.QUORUM);
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    @Override
    public boolean writeFailover(FailoverRequest request, Precondition precondition) {
        checkOpen();
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.FAILOVER_LEADER, request.leader().orElse(null));
        ann.put(Annotations.FAILOVER_MEMBER, request.candidate().orElse(null));
        ann.put(Annotations.SCHEDULED_AT, request.scheduledAt().map(OffsetDateTime::toString).orElse(null));
        return write(objects.failoverName, ann, precondition, KubernetesDcsClient::failoverPresent);
    }

    @Override
    public boolean clearFailover(Precondition precondition) {
        checkOpen();
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.FAILOVER_LEADER, null);
        ann.put(Annotations.FAILOVER_MEMBER, null);
        ann.put(Annotations.SCHEDULED_AT, null);
        return clear(objects.failoverName, ann, precondition, KubernetesDcsClient::failoverPresent);
    }

    @Override
    public boolean writeSync(SyncState sync, Precondition precondition) {
        checkOpen();
        List<String> sorted = new ArrayList<>(sync.syncStandbys());
        sorted.sort(String::compareTo);
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.SYNC_LEADER, sync.leader().orElse(null));
        ann.put(Annotations.SYNC_STANDBY, sorted.isEmpty() ? null : String.join(",", sorted));
        ann.put(Annotations.QUORUM, sync.quorum().map(String::valueOf).orElse(null));
        return write(objects.syncName, ann, precondition, KubernetesDcsClient::syncPresent);
    }

    @Override
    public boolean clearSync(Precondition precondition) {
        checkOpen();
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Annotations.SYNC_LEADER, null);
        ann.put(Annotations.SYNC_STANDBY, null);
        ann.put(Annotations.QUORUM, null);
        return clear(objects.syncName, ann, precondition, KubernetesDcsClient::syncPresent);
    }

    /**
     * Writes {@code ann} to a kind object under a precondition on the value they make up ({@code present} says
     * whether it exists): any() writes whatever is there, absent() creates the object or fills the missing
     * annotations through a compare-and-set on what it read (and reads again when something else on the same object
     * changed meanwhile), version(v) is a compare-and-set on resourceVersion v. 409 is a lost race.
     */
    private boolean write(String name, Map<String, String> ann, Precondition precondition,
            Predicate<Map<String, String>> present) {
        if (precondition instanceof Precondition.Any) {
            upsert(name, ann, Optional.empty());
            return true;
        }
        if (precondition instanceof Precondition.AtVersion at) {
            try {
                objects.patch(name, ann, Optional.of(String.valueOf(at.version())), Optional.empty());
                configWritten(name);
                return true;
            } catch (ApiCalls.Answer e) {
                if (e.conflict() || e.notFound()) {
                    return false;
                }
                throw refused(e);
            }
        }
        long deadline = deadline();
        while (true) {
            Optional<HasMetadata> obj = objects.get(name);
            if (obj.isPresent() && present.test(annotations(obj.get()))) {
                return false;
            }
            try {
                if (obj.isEmpty()) {
                    objects.create(name, ann, Optional.empty());
                } else {
                    objects.patch(name, ann, Optional.of(obj.get().getMetadata().getResourceVersion()),
                            Optional.empty());
                }
                configWritten(name);
                return true;
            } catch (ApiCalls.Answer e) {
                if (!e.conflict() && !e.notFound()) {
                    throw refused(e);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new DcsUnavailableException("could not write " + name + " within retry_timeout: every "
                            + "write met a newer version of it");
                }
                // the object appeared or changed since we read it: look again whether our value is still absent
            }
        }
    }

    private boolean clear(String name, Map<String, String> nulls, Precondition precondition,
            Predicate<Map<String, String>> present) {
        if (precondition instanceof Precondition.Absent) {
            return objects.get(name).map(o -> !present.test(annotations(o))).orElse(true);
        }
        Optional<String> rv = precondition instanceof Precondition.AtVersion at
                ? Optional.of(String.valueOf(at.version())) : Optional.empty();
        try {
            objects.patch(name, nulls, rv, Optional.empty());
            return true;
        } catch (ApiCalls.Answer e) {
            if (e.notFound()) {
                return rv.isEmpty();
            }
            if (e.conflict()) {
                return false;
            }
            throw refused(e);
        }
    }

    /** Patches the object, creating it when it does not exist (and patching again if it appeared meanwhile). */
    private HasMetadata upsert(String name, Map<String, String> ann, Optional<List<EndpointSubset>> subsets) {
        for (int attempt = 0; ; attempt++) {
            try {
                HasMetadata o = objects.patch(name, ann, Optional.empty(), subsets);
                configWritten(name);
                return o;
            } catch (ApiCalls.Answer e) {
                if (!e.notFound() || attempt >= 2) {
                    throw refused(e);
                }
            }
            try {
                HasMetadata o = objects.create(name, ann, subsets);
                configWritten(name);
                return o;
            } catch (ApiCalls.Answer e) {
                if (!e.conflict()) {
                    throw refused(e);
                }
            }
        }
    }

    /** In Endpoints mode, the first write of the config object also creates its protecting Service, as Patroni. */
    private void configWritten(String name) {
        if (!settings.useEndpoints() || configServiceReady || !name.equals(objects.configName)) {
            return;
        }
        try {
            objects.createConfigService();
            configServiceReady = true;
        } catch (ApiCalls.Answer | DcsUnavailableException e) {
            LOG.warn("could not create the headless Service {}/{} that keeps Kubernetes from clearing the config "
                    + "Endpoints (retried with the next config write): {}", settings.namespace(), objects.configName,
                    e.getMessage());
        }
    }

    @Override
    public void deleteCluster() {
        checkOpen();
        for (String name : List.of(objects.leaderName, objects.configName, objects.failoverName, objects.syncName)) {
            try {
                objects.delete(name);
            } catch (ApiCalls.Answer e) {
                if (!e.notFound()) {
                    throw refused(e);
                }
            }
        }
        if (settings.useEndpoints()) {
            try {
                objects.deleteConfigService();
                configServiceReady = false;
            } catch (ApiCalls.Answer e) {
                if (!e.notFound()) {
                    throw refused(e);
                }
            }
        }
        // the pods belong to their StatefulSet: only the member records and role labels go
        for (Pod pod : objects.listPods()) {
            if (annotations(pod).containsKey(Annotations.STATUS)) {
                try {
                    objects.patchPod(pod.getMetadata().getName(), memberLabelsCleared(), memberAnnotationsCleared());
                } catch (ApiCalls.Answer e) {
                    if (!e.notFound()) {
                        throw refused(e);
                    }
                }
            }
        }
        LOG.info("deleted the objects of scope {} in namespace {} and cleared its members' pod annotations", scope,
                settings.namespace());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // read
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public ClusterState read() {
        checkOpen();
        Map<String, HasMetadata> kinds = objects.listKind();
        long podsAsked = seen.now();
        List<Pod> pods = objects.listPods();
        return decode(kinds, pods, podsAsked);
    }

    /**
     * @param podsAsked when the pod list was asked for: a member record first seen in it counts as seen then, not
     *        when the answer arrived (a slow answer must not lengthen a dead member's life); the lock, where an early
     *        expiry matters, counts from when the answer arrived
     */
    private ClusterState decode(Map<String, HasMetadata> kinds, List<Pod> pods, long podsAsked) {
        List<String> warnings = new ArrayList<>();
        Map<String, RawValue> raw = new LinkedHashMap<>();

        Optional<HasMetadata> leaderObj = Optional.ofNullable(kinds.get(objects.leaderName));
        LockView lock = view(leaderObj);
        Map<String, String> leaderAnn = lock.ann();
        long leaderVersion = leaderObj.map(KubernetesDcsClient::version).orElse(0L);
        lock.holder().ifPresent(h -> {
            if (!lock.expired()) {
                raw.put(PatroniLayout.LEADER, RawValue.of(h, leaderVersion));
            }
        });
        if (leaderAnn.containsKey(Annotations.FAILSAFE)) {
            raw.put(PatroniLayout.FAILSAFE, RawValue.of(leaderAnn.get(Annotations.FAILSAFE), leaderVersion));
        }
        LeaderStatus status = decodeStatus(leaderAnn, warnings);

        HasMetadata configObj = kinds.get(objects.configName);
        if (configObj != null) {
            Map<String, String> a = annotations(configObj);
            long v = version(configObj);
            for (String k : List.of(Annotations.CONFIG, Annotations.INITIALIZE, Annotations.HISTORY)) {
                if (a.containsKey(k)) {
                    // the annotation names are the key names Patroni uses elsewhere
                    raw.put(k, RawValue.of(a.get(k), v));
                }
            }
        }
        Optional<FailoverRequest> failover = Optional.ofNullable(kinds.get(objects.failoverName))
                .flatMap(o -> decodeFailover(o, warnings));
        Optional<SyncState> sync = Optional.ofNullable(kinds.get(objects.syncName))
                .flatMap(o -> decodeSync(o, warnings));

        long now = seen.now();
        for (Pod pod : pods) {
            Map<String, String> a = annotations(pod);
            if (!a.containsKey(Annotations.STATUS)) {
                continue;
            }
            String name = pod.getMetadata().getName();
            if (a.containsKey(Annotations.MEMBER_RENEW)) {
                Observations.Seen s = seen.observe(memberKey(name), memberRecord(a), podsAsked);
                if (s.expired(timings.ttl(), now)) {
                    continue;
                }
            }
            raw.put(PatroniLayout.MEMBERS + name, RawValue.of(a.get(Annotations.STATUS), version(pod)));
        }

        ClusterState base = PatroniLayout.decode(raw);
        warnings.addAll(0, base.warnings());
        return new ClusterState(base.initialize(), base.config(), base.leader(), status, base.members(), failover,
                sync, base.history(), base.failsafe(), warnings);
    }

    private static long version(HasMetadata o) {
        String rv = o.getMetadata().getResourceVersion();
        try {
            return rv == null ? 0 : Long.parseLong(rv);
        } catch (NumberFormatException e) {
            // every API server in use numbers its versions with etcd's revision; anything else cannot be compared
            return 0;
        }
    }

    private LeaderStatus decodeStatus(Map<String, String> a, List<String> warnings) {
        String optime = a.get(Annotations.OPTIME);
        String slots = a.get(Annotations.SLOTS);
        String retain = a.get(Annotations.RETAIN_SLOTS);
        if (optime == null && slots == null && retain == null) {
            return LeaderStatus.NONE;
        }
        try {
            long o = 0;
            if (optime != null) {
                try {
                    o = Long.parseLong(optime.trim());
                } catch (NumberFormatException e) {
                    throw new JsonException("optime annotation '" + cut(optime) + "' is not a number");
                }
            }
            Map<String, Long> slotMap = new LinkedHashMap<>();
            if (slots != null && !slots.isBlank()) {
                Json.parseObject(slots).forEach((k, v) -> {
                    if (!(v instanceof Number n)) {
                        throw new JsonException("slot " + k + " in the slots annotation is " + Json.kind(v)
                                + ", expected a number");
                    }
                    slotMap.put(k, n.longValue());
                });
            }
            List<String> retainList = new ArrayList<>();
            if (retain != null && !retain.isBlank()) {
                if (!(Json.parse(retain) instanceof List<?> l)) {
                    throw new JsonException("retain_slots annotation is not a JSON array");
                }
                l.forEach(x -> retainList.add(String.valueOf(x)));
            }
            return new LeaderStatus(o, slotMap, retainList);
        } catch (JsonException e) {
            warnings.add("ignoring status key (annotations of " + objects.leaderName + "): " + e.getMessage());
            return LeaderStatus.NONE;
        }
    }

    private Optional<FailoverRequest> decodeFailover(HasMetadata o, List<String> warnings) {
        Map<String, String> a = annotations(o);
        if (!failoverPresent(a)) {
            return Optional.empty();
        }
        Optional<OffsetDateTime> at = Optional.empty();
        String s = a.get(Annotations.SCHEDULED_AT);
        if (notBlank(s)) {
            try {
                at = Optional.of(OffsetDateTime.parse(s.trim().replace(' ', 'T')));
            } catch (DateTimeParseException e) {
                warnings.add("ignoring failover key (" + objects.failoverName + "): scheduled_at annotation '"
                        + cut(s) + "' is not an ISO 8601 timestamp with offset");
                return Optional.empty();
            }
        }
        return Optional.of(new FailoverRequest(version(o), Optional.ofNullable(a.get(Annotations.FAILOVER_LEADER))
                .filter(KubernetesDcsClient::notBlank), Optional.ofNullable(a.get(Annotations.FAILOVER_MEMBER))
                .filter(KubernetesDcsClient::notBlank), at));
    }

    private Optional<SyncState> decodeSync(HasMetadata o, List<String> warnings) {
        Map<String, String> a = annotations(o);
        if (!syncPresent(a)) {
            return Optional.empty();
        }
        List<String> standbys = new ArrayList<>();
        String ss = a.get(Annotations.SYNC_STANDBY);
        if (ss != null) {
            String t = ss.trim();
            if (t.startsWith("[") || t.startsWith("{") || t.startsWith("\"")) {
                warnings.add("ignoring sync key (" + objects.syncName + "): sync_standby annotation '" + cut(ss)
                        + "' is JSON, expected comma-separated member names");
                return Optional.empty();
            }
            for (String n : t.split(",")) {
                if (!n.isBlank()) {
                    standbys.add(n.trim());
                }
            }
        }
        standbys.sort(String::compareTo);
        Optional<Integer> quorum = Optional.empty();
        String q = a.get(Annotations.QUORUM);
        if (notBlank(q)) {
            try {
                quorum = Optional.of(Integer.parseInt(q.trim()));
            } catch (NumberFormatException e) {
                warnings.add("ignoring sync key (" + objects.syncName + "): quorum annotation '" + cut(q)
                        + "' is not a number");
                return Optional.empty();
            }
        }
        return Optional.of(new SyncState(version(o), Optional.ofNullable(a.get(Annotations.SYNC_LEADER))
                .filter(KubernetesDcsClient::notBlank), standbys, quorum));
    }

    private static String cut(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // watch, timings, close
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public Subscription watch(ClusterChangeListener listener) {
        checkOpen();
        return watch.add(listener);
    }

    @Override
    public void updateTimings(DcsTimings t) {
        DcsTimings before = this.timings;
        this.timings = t;
        api.retryTimeout(t.retryTimeout());
        if (!t.equals(before)) {
            logTimings("retimed", t);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            watch.close();
            clearOwnMember();
        } finally {
            try {
                k8s.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the Kubernetes client failed: {}", e.toString());
            }
        }
    }

    /**
     * A closed client is an agent going away: its member record goes with it (one short attempt; if the API server
     * is away, the record expires after ttl as for a crashed agent). The pod and the lock stay; the lock expires.
     */
    private void clearOwnMember() {
        try {
            objects.patchPodOnce(member, memberLabelsCleared(), memberAnnotationsCleared());
        } catch (RuntimeException e) {
            LOG.debug("member record of {} left to expire: {}", member, e.getMessage());
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the Kubernetes DCS client of member " + member + " is closed");
        }
    }

    private long deadline() {
        return System.nanoTime() + TimeUnit.NANOSECONDS.convert(api.retryTimeout());
    }

    /** An answer this client cannot act on: 403 (RBAC), 422 (invalid), ... */
    private DcsUnavailableException refused(ApiCalls.Answer e) {
        String hint = e.code == 403 ? " (the service account lacks a permission: it needs get, list, watch, "
                + "create, patch and delete on " + objects.kindName() + "s and get, list, watch and patch on pods in "
                + "namespace " + settings.namespace() + ")" : "";
        return new DcsUnavailableException("the Kubernetes API refused to " + e.getMessage() + hint, e);
    }
}
