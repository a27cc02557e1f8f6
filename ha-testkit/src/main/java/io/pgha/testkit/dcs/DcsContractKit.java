package io.pgha.testkit.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.spi.dcs.ClusterConfig;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.History;
import io.pgha.spi.dcs.Leader;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import io.pgha.spi.json.Json;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The executable specification of {@link DcsClient}: every DCS backend extends this class in a test, implements
 * {@link #createFixture()}, and must pass every test.
 *
 * <pre>{@code
 * class EtcdDcsContractIT extends DcsContractKit {
 *     @Override
 *     protected DcsKitFixture createFixture() {
 *         return new EtcdKitFixture(); // starts etcd on a free loopback port
 *     }
 * }
 * }</pre>
 *
 * <p>Tests are grouped by rule ({@code DCS-1} leader race ... {@code DCS-11} close) and named after the rule they
 * check. Groups that need an optional {@link DcsCapability} run only when the fixture declares it; a capability the
 * fixture neither declares nor declares unsupported fails the group's {@code DCS-x.0} test.
 *
 * <p>The fixture is created once, before the first test, and closed after the last. Every test works on clusters
 * with fresh names, so tests do not depend on each other. Timed scenarios (TTL expiry, refresh keeping a key alive,
 * watch on expiry) all start when the kit starts so that their waits overlap; the groups that stop the server wait
 * for them first. With the default timings (ttl 5 s) the whole kit takes about 20 s plus the backend's own costs.
 *
 * <p>Subclasses may add their own tests and {@code @Nested} groups; {@link #fixture()}, {@link #timings()},
 * {@link #newScope(String)} and the {@code open} methods are meant for that.
 *
 * @since 1.0
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
public abstract class DcsContractKit {
    private static final int RACE_ROUNDS = 20;
    private static final AtomicInteger SCOPE_COUNTER = new AtomicInteger();

    private final String run = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    private final List<DcsClient> testClients = new CopyOnWriteArrayList<>();
    private final List<DcsClient> kitClients = new CopyOnWriteArrayList<>();
    private final KitScenarios scenarios = new KitScenarios();
    private DcsKitFixture fixture;
    private DcsTimings timings;

    /**
     * Creates the fixture with its store running. Called once, before the first test; the kit closes it after the
     * last.
     */
    protected abstract DcsKitFixture createFixture();

    // ------------------------------------------------------------------------------------------------------------
    // lifecycle and helpers for subclasses
    // ------------------------------------------------------------------------------------------------------------

    @BeforeAll
    final void kitStart() {
        fixture = Objects.requireNonNull(createFixture(), "createFixture() returned null");
        timings = Objects.requireNonNull(fixture.timings(), "fixture timings() returned null");
        System.out.printf(Locale.ROOT, "kit: %s against %s, ttl %d ms, retry_timeout %d ms, timing x%s%n",
                getClass().getSimpleName(), fixture.describe(), timings.ttl().toMillis(),
                timings.retryTimeout().toMillis(), Timing.current().multiplier());
        startScenarios();
    }

    @AfterEach
    final void kitCloseTestClients() {
        List<DcsClient> toClose = new ArrayList<>(testClients);
        testClients.clear();
        closeAll(toClose);
    }

    @AfterAll
    final void kitStop() {
        try {
            // every scenario's test has awaited it by now, unless the run was filtered: then do not wait for them
            scenarios.cancel();
            scenarios.awaitAll(Timing.current().seconds(10));
            closeAll(new ArrayList<>(kitClients));
            kitClients.clear();
        } finally {
            if (fixture != null) {
                fixture.close();
            }
        }
    }

    /** The fixture made by {@link #createFixture()}; available from the first test on. */
    protected final DcsKitFixture fixture() {
        return fixture;
    }

    /** The timings clients are opened with ({@link DcsKitFixture#timings()}). */
    protected final DcsTimings timings() {
        return timings;
    }

    /** A cluster name not used before in this JVM, such as {@code race-3f2a-7}: lower case, digits and dashes. */
    protected final String newScope(String hint) {
        return hint + "-" + run + "-" + SCOPE_COUNTER.incrementAndGet();
    }

    /** Opens a client for {@code member} of {@code scope} in the default namespace; closed after the test. */
    protected final DcsClient open(String scope, String member) {
        return open(PatroniLayout.DEFAULT_NAMESPACE, scope, member);
    }

    /** Opens a client for {@code member} of {@code namespace}/{@code scope}; closed after the test. */
    protected final DcsClient open(String namespace, String scope, String member) {
        DcsClient c = openUntracked(namespace, scope, member, timings);
        testClients.add(c);
        return c;
    }

    private DcsClient openForKit(String scope, String member) {
        DcsClient c = openUntracked(PatroniLayout.DEFAULT_NAMESPACE, scope, member, timings);
        kitClients.add(c);
        return c;
    }

    private DcsClient openUntracked(String namespace, String scope, String member, DcsTimings t) {
        DcsClient c = fixture.open(FakeDcsContext.of(namespace, scope, member, t));
        return Objects.requireNonNull(c, "fixture open() returned null");
    }

    private static void closeAll(List<DcsClient> clients) {
        if (clients.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, clients.size()), daemonThreads("kit-close"));
        try {
            for (DcsClient c : clients) {
                pool.execute(() -> {
                    try {
                        c.close();
                    } catch (RuntimeException e) {
                        System.out.println("kit: close() threw (DCS-11.1 reports this): " + e);
                    }
                });
            }
        } finally {
            pool.shutdown();
            try {
                pool.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private Duration ttl() {
        return timings.ttl();
    }

    private Duration tolerance() {
        return fixture.expiryTolerance();
    }

    /** The longest a single operation may take while the store is up. */
    private Duration opLimit() {
        return timings.retryTimeout().plus(fixture.unavailableMargin());
    }

    private Duration scenarioBudget() {
        return ttl().multipliedBy(4).plus(tolerance().multipliedBy(3)).plus(Timing.current().seconds(20));
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static long at(long startNanos, Duration after) {
        return startNanos + after.toNanos();
    }

    /** Reads until {@code condition} holds on the state, until {@code deadlineNanos}; returns when it held or -1. */
    private static long pollUntil(DcsClient observer, java.util.function.Predicate<ClusterState> condition,
            long deadlineNanos) {
        while (true) {
            long now = System.nanoTime();
            if (condition.test(observer.read())) {
                return now;
            }
            if (now - deadlineNanos > 0) {
                return -1;
            }
            sleep(Duration.ofMillis(50));
        }
    }

    /** Pauses until {@code deadlineNanos}; a cancelled (interrupted) scenario ends here instead of spinning. */
    private static void sleepUntil(long deadlineNanos) {
        Timing.pauseUntil(deadlineNanos);
        checkNotCancelled();
    }

    private static void sleep(Duration d) {
        Timing.pause(d);
        checkNotCancelled();
    }

    private static void checkNotCancelled() {
        if (Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("cancelled: the kit is shutting down");
        }
    }

    private static Optional<String> leaderName(ClusterState s) {
        return s.leader().map(Leader::name);
    }

    private void gate(DcsCapability... needed) {
        for (DcsCapability cap : needed) {
            if (fixture.capabilities().contains(cap)) {
                continue;
            }
            String reason = fixture.unsupported().get(cap);
            if (reason != null) {
                Assumptions.abort("the fixture does not support " + cap + ": " + reason);
            }
            Assumptions.abort("the fixture declares " + cap + " neither supported nor unsupported; "
                    + "the group's DCS-x.0 test fails for this");
        }
    }

    private void requireDeclared(DcsCapability cap) {
        if (fixture.capabilities().contains(cap)) {
            return;
        }
        String reason = fixture.unsupported().get(cap);
        if (reason != null && !reason.isBlank()) {
            Assumptions.abort("the fixture declares " + cap + " unsupported: " + reason);
        }
        fail("the fixture declares " + cap + " neither in capabilities() nor in unsupported(): declare it supported "
                + "(and implement what it needs), or unsupported with a reason, so that this group is not lost");
    }

    // ------------------------------------------------------------------------------------------------------------
    // timed scenarios, started together when the kit starts
    // ------------------------------------------------------------------------------------------------------------

    private static final String S_UNREFRESHED = "2.5";
    private static final String S_REFRESHED = "2.6";
    private static final String S_RETIMED = "2.7";
    private static final String S_REFRESH_AFTER_EXPIRY = "2.8";
    private static final String S_MEMBER_ABANDONED = "3.4";
    private static final String S_MEMBER_REPUBLISHED = "3.5";
    private static final String S_WATCH_EXPIRY = "5.2";
    private static final String S_CLOSED_HOLDER = "11.3";

    private void startScenarios() {
        scenarios.start(S_UNREFRESHED, this::unrefreshedLockScenario);
        scenarios.start(S_REFRESHED, this::refreshedLockScenario);
        scenarios.start(S_RETIMED, this::retimedLockScenario);
        scenarios.start(S_REFRESH_AFTER_EXPIRY, this::refreshAfterExpiryScenario);
        scenarios.start(S_MEMBER_ABANDONED, this::abandonedMemberScenario);
        scenarios.start(S_MEMBER_REPUBLISHED, this::republishedMemberScenario);
        scenarios.start(S_WATCH_EXPIRY, this::watchExpiryScenario);
        scenarios.start(S_CLOSED_HOLDER, this::closedHolderScenario);
    }

    private String awaitScenario(String id) {
        String line = scenarios.await(id, scenarioBudget());
        System.out.println("kit: DCS-" + id + " " + line);
        return line;
    }

    private String unrefreshedLockScenario() {
        String scope = newScope("ttl-stop");
        DcsClient holder = openForKit(scope, "holder");
        DcsClient observer = openForKit(scope, "observer");
        assertTrue(holder.acquireLeader(), "holder could not take the free lock");
        long acquired = System.nanoTime();
        sleepUntil(at(acquired, ttl().multipliedBy(2).dividedBy(5)));
        ClusterState mid = observer.read();
        assertTrue(mid.isLeader("holder"), "the lock vanished before ttl/2 (" + ms(System.nanoTime() - acquired)
                + " ms after acquiring, ttl " + ttl().toMillis() + " ms): leader is " + leaderName(mid));
        long deadline = at(acquired, ttl().plus(tolerance()));
        long goneAt = pollUntil(observer, ClusterState::isUnlocked, deadline);
        assertTrue(goneAt > 0, "a lock nobody refreshed was still held " + ms(System.nanoTime() - acquired)
                + " ms after acquiring (ttl " + ttl().toMillis() + " ms + tolerance " + tolerance().toMillis() + " ms)");
        return "unrefreshed lock gone " + ms(goneAt - acquired) + " ms after acquire (ttl " + ttl().toMillis() + " ms)";
    }

    private String refreshedLockScenario() {
        String scope = newScope("ttl-keep");
        DcsClient holder = openForKit(scope, "holder");
        DcsClient observer = openForKit(scope, "observer");
        assertTrue(holder.acquireLeader(), "holder could not take the free lock");
        long start = System.nanoTime();
        Duration step = ttl().dividedBy(3);
        for (int i = 1; i <= 9; i++) {
            sleepUntil(at(start, step.multipliedBy(i)));
            assertTrue(holder.refreshLeader(), "refresh #" + i + " by the holder returned false, "
                    + ms(System.nanoTime() - start) + " ms after acquiring (refreshing every ttl/3)");
            ClusterState s = observer.read();
            assertTrue(s.isLeader("holder"), "after refresh #" + i + " the observer reads leader " + leaderName(s));
        }
        return "lock kept for " + ms(System.nanoTime() - start) + " ms by refreshing every " + step.toMillis() + " ms";
    }

    private String retimedLockScenario() {
        String scope = newScope("ttl-retime");
        DcsClient holder = openForKit(scope, "holder");
        DcsClient observer = openForKit(scope, "observer");
        Duration oldTtl = ttl();
        Duration newTtl = max(oldTtl.multipliedBy(2), oldTtl.plus(tolerance().multipliedBy(2)).plusSeconds(1));
        assertTrue(holder.acquireLeader(), "holder could not take the free lock");
        holder.updateTimings(new DcsTimings(newTtl, timings.loopWait(), timings.retryTimeout()));
        assertTrue(holder.refreshLeader(), "the first refresh after updateTimings returned false");
        long refreshed = System.nanoTime();
        // past the point where the old ttl would have let it expire, before the new one does
        Duration check = oldTtl.plus(tolerance()).plus(newTtl.minus(oldTtl.plus(tolerance())).dividedBy(2));
        sleepUntil(at(refreshed, check));
        ClusterState s = observer.read();
        assertTrue(s.isLeader("holder"), "the lock vanished " + ms(System.nanoTime() - refreshed)
                + " ms after a refresh made with the new ttl " + newTtl.toMillis() + " ms (old ttl "
                + oldTtl.toMillis() + " ms): updateTimings did not apply to the next refresh");
        long goneAt = pollUntil(observer, ClusterState::isUnlocked, at(refreshed, newTtl.plus(tolerance())));
        assertTrue(goneAt > 0, "the lock outlived the new ttl " + newTtl.toMillis() + " ms + tolerance");
        return "with ttl changed to " + newTtl.toMillis() + " ms the lock lived " + ms(goneAt - refreshed)
                + " ms after its last refresh";
    }

    private String refreshAfterExpiryScenario() {
        String scope = newScope("ttl-late");
        DcsClient holder = openForKit(scope, "holder");
        DcsClient observer = openForKit(scope, "observer");
        assertTrue(holder.acquireLeader(), "holder could not take the free lock");
        long acquired = System.nanoTime();
        long goneAt = pollUntil(observer, ClusterState::isUnlocked, at(acquired, ttl().plus(tolerance())));
        assertTrue(goneAt > 0, "the unrefreshed lock did not expire within ttl + tolerance");
        assertFalse(holder.refreshLeader(), "refreshLeader() after the lock expired returned true");
        ClusterState s = observer.read();
        assertTrue(s.isUnlocked(), "refreshLeader() after expiry recreated the lock: leader is " + leaderName(s));
        return "refresh after expiry returned false and left the lock free";
    }

    private String abandonedMemberScenario() {
        String scope = newScope("member-gone");
        DcsClient member = openForKit(scope, "abandoned");
        DcsClient observer = openForKit(scope, "observer");
        member.publishMember(KitValues.smallMember("abandoned"));
        long published = System.nanoTime();
        ClusterState s = observer.read();
        assertTrue(s.member("abandoned").isPresent(), "a just-published member is not listed: " + s.members());
        fixture.crashClient(member);
        long goneAt = pollUntil(observer, st -> st.member("abandoned").isEmpty(),
                at(published, ttl().plus(tolerance())));
        assertTrue(goneAt > 0, "the member key of an abandoned client was still there " + ms(System.nanoTime() - published)
                + " ms after its last publish (ttl " + ttl().toMillis() + " ms + tolerance " + tolerance().toMillis()
                + " ms)");
        return "abandoned member gone " + ms(goneAt - published) + " ms after its last publish";
    }

    private String republishedMemberScenario() {
        String scope = newScope("member-keep");
        DcsClient member = openForKit(scope, "kept");
        DcsClient observer = openForKit(scope, "observer");
        long start = System.nanoTime();
        Duration step = ttl().dividedBy(3);
        for (int i = 0; i <= 9; i++) {
            sleepUntil(at(start, step.multipliedBy(i)));
            // the record changes every time, as xlog_location does in a live agent
            member.publishMember(KitValues.fullMember("kept", 1_000_000L + i));
            ClusterState s = observer.read();
            assertTrue(s.member("kept").isPresent(), "after publish #" + i + " (" + ms(System.nanoTime() - start)
                    + " ms) the member is not listed");
        }
        for (int i = 1; i <= 3; i++) {
            // the same record again: a backend may skip the write but must keep the key alive
            sleepUntil(at(start, step.multipliedBy(9 + i)));
            member.publishMember(KitValues.fullMember("kept", 1_000_009L));
        }
        ClusterState s = observer.read();
        assertTrue(s.member("kept").isPresent(), "a member republished unchanged every ttl/3 vanished after "
                + ms(System.nanoTime() - start) + " ms");
        return "member kept for " + ms(System.nanoTime() - start) + " ms by publishing every " + step.toMillis() + " ms";
    }

    private String watchExpiryScenario() {
        String scope = newScope("watch-expiry");
        DcsClient holder = openForKit(scope, "holder");
        DcsClient watcher = openForKit(scope, "watcher");
        DcsClient observer = openForKit(scope, "observer");
        ListenerRecorder rec = new ListenerRecorder();
        watcher.watch(rec);
        long before = System.nanoTime();
        assertTrue(holder.acquireLeader(), "holder could not take the free lock");
        long acquired = System.nanoTime();
        assertTrue(rec.awaitLeaderCall(before, at(acquired, fixture.watchLatency().plusSeconds(5))).isPresent(),
                "the watcher was not told that the lock was taken");
        long lastSeen = System.nanoTime();
        long goneAt = -1;
        long deadline = at(acquired, ttl().plus(tolerance()));
        while (System.nanoTime() - deadline < 0) {
            long now = System.nanoTime();
            if (observer.read().isUnlocked()) {
                goneAt = now;
                break;
            }
            lastSeen = now;
            sleep(Duration.ofMillis(25));
        }
        assertTrue(goneAt > 0, "the unrefreshed lock did not expire within ttl + tolerance");
        Optional<ListenerRecorder.Call> call = rec.awaitLeaderCall(lastSeen, at(goneAt, fixture.watchLatency()));
        assertTrue(call.isPresent(), "the watcher was not told within " + fixture.watchLatency().toMillis()
                + " ms that the lock expired; calls since acquiring: " + rec.calls().size());
        return "watch told of expiry " + Math.max(0, ms(call.get().nanos() - goneAt)) + " ms after it was visible";
    }

    private String closedHolderScenario() {
        String scope = newScope("close-holder");
        DcsClient holder = openForKit(scope, "holder");
        DcsClient other = openForKit(scope, "other");
        assertTrue(holder.acquireLeader(), "holder could not take the free lock");
        holder.publishMember(KitValues.smallMember("holder"));
        long closing = System.nanoTime();
        holder.close();
        long deadline = at(closing, ttl().plus(tolerance()));
        long acquiredAt = -1;
        while (System.nanoTime() - deadline < 0) {
            if (other.acquireLeader()) {
                acquiredAt = System.nanoTime();
                break;
            }
            sleep(Duration.ofMillis(50));
        }
        assertTrue(acquiredAt > 0, "the lock of a closed client was not free within ttl + tolerance");
        long memberGone = pollUntil(other, s -> s.member("holder").isEmpty(), deadline);
        assertTrue(memberGone > 0, "the member key of a closed client outlived ttl + tolerance");
        return "lock of a closed client free again after " + ms(acquiredAt - closing) + " ms";
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-0 capabilities
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-0: the fixture's declarations. */
    @Nested
    @Order(0)
    @DisplayName("DCS-0 fixture declarations")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class Capabilities {

        @Test
        @DisplayName("DCS-0.1 every optional capability is declared supported, or unsupported with a reason")
        void everyCapabilityDeclared() {
            Set<DcsCapability> supported = fixture.capabilities();
            Map<DcsCapability, String> unsupported = fixture.unsupported();
            List<String> problems = new ArrayList<>();
            for (DcsCapability cap : DcsCapability.values()) {
                boolean s = supported.contains(cap);
                boolean u = unsupported.containsKey(cap);
                if (!s && !u) {
                    problems.add(cap + " is declared neither supported nor unsupported");
                } else if (s && u) {
                    problems.add(cap + " is declared both supported and unsupported");
                } else if (u && (unsupported.get(cap) == null || unsupported.get(cap).isBlank())) {
                    problems.add(cap + " is declared unsupported without a reason");
                }
            }
            assertTrue(problems.isEmpty(), String.join("; ", problems));
            unsupported.forEach((cap, why) -> System.out.println("kit: " + cap + " unsupported: " + why));
        }

        @Test
        @DisplayName("DCS-0.2 KEY_VALUE_LAYOUT comes with RAW_ACCESS")
        void layoutNeedsRawAccess() {
            if (fixture.capabilities().contains(DcsCapability.KEY_VALUE_LAYOUT)) {
                assertTrue(fixture.capabilities().contains(DcsCapability.RAW_ACCESS),
                        "KEY_VALUE_LAYOUT is checked through readRaw(): declare RAW_ACCESS too");
            }
        }

        @Test
        @DisplayName("DCS-0.3 the fixture's timings are usable: ttl at least 2 s and longer than retry_timeout")
        void timingsUsable() {
            assertTrue(ttl().compareTo(Duration.ofSeconds(2)) >= 0, "ttl " + ttl() + " is shorter than 2 s");
            assertTrue(ttl().compareTo(timings.retryTimeout()) > 0,
                    "ttl " + ttl() + " is not longer than retry_timeout " + timings.retryTimeout());
            assertTrue(fixture.raceClients() >= 5, "raceClients() must be at least 5");
            assertTrue(fixture.hugeValueSize() > PatroniLayout.MAX_MEMBER_VALUE,
                    "hugeValueSize() must exceed PatroniLayout.MAX_MEMBER_VALUE");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-1 leader race
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-1: the leader lock is a create-if-absent race. */
    @Nested
    @Order(1)
    @DisplayName("DCS-1 leader race")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class LeaderRace {

        @Test
        @DisplayName("DCS-1.1 exactly one of N racing clients wins the leader lock, and every loser reads the winner's name (20 rounds)")
        void exactlyOneWinsEveryRound() throws Exception {
            String scope = newScope("race");
            int n = Math.max(5, fixture.raceClients());
            List<DcsClient> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(open(scope, "racer" + i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(n, daemonThreads("kit-race"));
            long totalNanos = 0;
            try {
                for (int round = 1; round <= RACE_ROUNDS; round++) {
                    CountDownLatch ready = new CountDownLatch(n);
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<Boolean>> results = new ArrayList<>();
                    for (DcsClient c : clients) {
                        results.add(pool.submit(() -> {
                            ready.countDown();
                            go.await();
                            return c.acquireLeader();
                        }));
                    }
                    assertTrue(ready.await(30, TimeUnit.SECONDS), "racers did not start");
                    long t0 = System.nanoTime();
                    go.countDown();
                    List<Integer> winners = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        if (results.get(i).get(opLimit().toMillis(), TimeUnit.MILLISECONDS)) {
                            winners.add(i);
                        }
                    }
                    totalNanos += System.nanoTime() - t0;
                    final int r = round;
                    assertEquals(1, winners.size(), () -> "round " + r + ": winners " + winners);
                    String winner = "racer" + winners.get(0);
                    for (int i = 0; i < n; i++) {
                        if (i != winners.get(0)) {
                            ClusterState s = clients.get(i).read();
                            assertEquals(Optional.of(winner), leaderName(s),
                                    "round " + r + ": loser racer" + i + " reads the wrong leader");
                        }
                    }
                    assertTrue(clients.get(winners.get(0)).releaseLeader(), "round " + r + ": the winner could not release");
                    assertTrue(clients.get((winners.get(0) + 1) % n).read().isUnlocked(),
                            "round " + r + ": the lock is still held after the winner released it");
                }
            } finally {
                pool.shutdownNow();
            }
            System.out.printf(Locale.ROOT, "kit: DCS-1.1 %d clients, %d rounds, mean race %.1f ms%n", n, RACE_ROUNDS,
                    totalNanos / 1e6 / RACE_ROUNDS);
        }

        @Test
        @DisplayName("DCS-1.2 acquireLeader by the holder itself returns false and keeps the lock")
        void holderCannotAcquireTwice() {
            String scope = newScope("race-own");
            DcsClient a = open(scope, "node1");
            assertTrue(a.acquireLeader());
            long version = a.read().leader().orElseThrow().version();
            assertFalse(a.acquireLeader(), "a second acquireLeader() by the holder returned true");
            ClusterState s = a.read();
            assertTrue(s.isLeader("node1"));
            assertEquals(version, s.leader().orElseThrow().version(), "the lock was rewritten");
        }

        @Test
        @DisplayName("DCS-1.3 takeLeader overwrites another member's lock unconditionally, and the new holder owns it")
        void takeLeaderOverwrites() {
            String scope = newScope("race-take");
            DcsClient a = open(scope, "node1");
            DcsClient b = open(scope, "node2");
            assertTrue(a.acquireLeader());
            b.takeLeader();
            assertEquals(Optional.of("node2"), leaderName(a.read()));
            assertTrue(b.refreshLeader(), "the new holder cannot refresh the lock it took");
            assertFalse(a.refreshLeader(), "the old holder can still refresh the lock");
            assertTrue(b.releaseLeader());
            assertTrue(a.read().isUnlocked());
        }

        @Test
        @DisplayName("DCS-1.4 a cluster nobody wrote reads as empty, with no warnings")
        void emptyCluster() {
            ClusterState s = open(newScope("empty"), "node1").read();
            assertEquals(Optional.empty(), s.initialize());
            assertEquals(Optional.empty(), s.config());
            assertEquals(Optional.empty(), s.leader());
            assertEquals(LeaderStatus.NONE, s.status());
            assertEquals(List.of(), s.members());
            assertEquals(Optional.empty(), s.failover());
            assertEquals(Optional.empty(), s.sync());
            assertEquals(Optional.empty(), s.history());
            assertEquals(Optional.empty(), s.failsafe());
            assertEquals(List.of(), s.warnings());
        }

        @Test
        @DisplayName("DCS-1.5 the lock as read carries the holder's name and a version")
        void leaderRecord() {
            String scope = newScope("race-rec");
            DcsClient a = open(scope, "node1");
            assertTrue(a.acquireLeader());
            Leader l = open(scope, "node2").read().leader().orElseThrow(() -> new AssertionError("no leader read"));
            assertEquals("node1", l.name());
            assertTrue(l.version() != 0 || !l.session().isEmpty(), "the lock has neither a version nor a session");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-2 ownership and TTL
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-2: only the holder refreshes or releases; the lock lives ttl after the last refresh. */
    @Nested
    @Order(7)
    @DisplayName("DCS-2 lock ownership and TTL")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class OwnershipAndTtl {

        @Test
        @DisplayName("DCS-2.1 a non-owner cannot refresh the lock: false, and nothing changes")
        void nonOwnerRefresh() {
            String scope = newScope("own-refresh");
            DcsClient a = open(scope, "node1");
            DcsClient b = open(scope, "node2");
            assertTrue(a.acquireLeader());
            Leader before = a.read().leader().orElseThrow();
            assertFalse(b.refreshLeader(), "a non-owner refreshed the lock");
            Leader after = a.read().leader().orElseThrow();
            assertEquals("node1", after.name());
            assertEquals(before.version(), after.version(), "a non-owner's refresh rewrote the lock");
        }

        @Test
        @DisplayName("DCS-2.2 a non-owner cannot release the lock: false, and the lock stays")
        void nonOwnerRelease() {
            String scope = newScope("own-release");
            DcsClient a = open(scope, "node1");
            DcsClient b = open(scope, "node2");
            assertTrue(a.acquireLeader());
            assertFalse(b.releaseLeader(), "a non-owner released the lock");
            assertTrue(b.read().isLeader("node1"));
        }

        @Test
        @DisplayName("DCS-2.3 a non-owner cannot overwrite the lock with acquireLeader: false, and the lock stays")
        void nonOwnerAcquire() {
            String scope = newScope("own-acquire");
            DcsClient a = open(scope, "node1");
            DcsClient b = open(scope, "node2");
            assertTrue(a.acquireLeader());
            assertFalse(b.acquireLeader(), "a second client acquired a held lock");
            assertTrue(b.read().isLeader("node1"));
            assertFalse(b.releaseLeader());
            assertTrue(a.refreshLeader(), "the holder cannot refresh after a non-owner tried to acquire");
        }

        @Test
        @DisplayName("DCS-2.4 release by the owner is immediate: another client reads no leader and acquires at once")
        void ownerReleaseImmediate() {
            String scope = newScope("own-free");
            DcsClient a = open(scope, "node1");
            DcsClient b = open(scope, "node2");
            assertTrue(a.acquireLeader());
            assertTrue(a.releaseLeader(), "the owner could not release");
            assertTrue(b.read().isUnlocked(), "the lock is still visible right after release");
            assertTrue(b.acquireLeader(), "another client could not acquire right after release");
            assertEquals(Optional.of("node2"), leaderName(a.read()));
            assertFalse(a.releaseLeader(), "the former owner released the new holder's lock");
        }

        @Test
        @DisplayName("DCS-2.5 a holder that stops refreshing keeps the lock past ttl/2 and loses it within ttl + tolerance")
        void unrefreshedLockExpires() {
            awaitScenario(S_UNREFRESHED);
        }

        @Test
        @DisplayName("DCS-2.6 a holder that refreshes every ttl/3 keeps the lock for 3 ttl")
        void refreshedLockKept() {
            awaitScenario(S_REFRESHED);
        }

        @Test
        @DisplayName("DCS-2.7 a ttl changed with updateTimings applies from the next refresh")
        void updateTimingsApplies() {
            awaitScenario(S_RETIMED);
        }

        @Test
        @DisplayName("DCS-2.8 refreshLeader after the lock expired returns false and does not recreate it")
        void refreshAfterExpiry() {
            awaitScenario(S_REFRESH_AFTER_EXPIRY);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-3 members
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-3: member records round-trip and live by the TTL. */
    @Nested
    @Order(8)
    @DisplayName("DCS-3 members")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class Members {

        @Test
        @DisplayName("DCS-3.1 a member record with every Patroni field, nested tags and unknown fields reads back exactly")
        void roundTrip() {
            String scope = newScope("member-rt");
            DcsClient a = open(scope, "node1");
            MemberData written = KitValues.fullMember("node1", 50_331_808L);
            a.publishMember(written);
            Member m = open(scope, "node2").read().member("node1")
                    .orElseThrow(() -> new AssertionError("the published member is not listed"));
            assertEquals("node1", m.name());
            assertEquals(written.fields(), m.data().fields(), "the member record did not round-trip");
            assertEquals(new ArrayList<>(written.fields().keySet()), new ArrayList<>(m.data().fields().keySet()),
                    "the member record's field order changed");
            assertEquals(written.toJson(), m.data().toJson());
            assertEquals(Optional.of(50_331_808L), m.data().xlogLocation());
            assertEquals(Optional.of(3L), m.data().timeline());
            assertTrue(m.data().flag("pending_restart"));
        }

        @Test
        @DisplayName("DCS-3.2 publishing again replaces the record")
        void republishReplaces() {
            String scope = newScope("member-upd");
            DcsClient a = open(scope, "node1");
            a.publishMember(KitValues.fullMember("node1", 1000));
            MemberData second = MemberData.builder().put("conn_url", "postgres://10.0.0.9:5432/postgres")
                    .put("api_url", "http://10.0.0.9:8008/patroni").put("state", "stopped").put("role", "demoted")
                    .put("version", "4.1.4").build();
            a.publishMember(second);
            assertEquals(second, a.read().member("node1").orElseThrow().data());
        }

        @Test
        @DisplayName("DCS-3.3 deleteMember removes the record at once")
        void deleteMember() {
            String scope = newScope("member-del");
            DcsClient a = open(scope, "node1");
            DcsClient b = open(scope, "node2");
            a.publishMember(KitValues.smallMember("node1"));
            b.publishMember(KitValues.smallMember("node2"));
            a.deleteMember();
            ClusterState s = b.read();
            assertEquals(List.of("node2"), s.members().stream().map(Member::name).toList());
            a.deleteMember();
        }

        @Test
        @DisplayName("DCS-3.4 the member key of an abandoned client (crashClient) is gone within ttl + tolerance")
        void abandonedMemberExpires() {
            awaitScenario(S_MEMBER_ABANDONED);
        }

        @Test
        @DisplayName("DCS-3.5 a member that publishes every ttl/3, changed or not, stays listed for 3 ttl")
        void republishedMemberStays() {
            awaitScenario(S_MEMBER_REPUBLISHED);
        }

        @Test
        @DisplayName("DCS-3.6 members of several clients are all listed, sorted, named after their keys")
        void severalMembers() {
            String scope = newScope("member-many");
            List<String> names = List.of("node3", "node1", "node-2.b", "Node_4");
            for (String n : names) {
                open(scope, n).publishMember(KitValues.smallMember(n));
            }
            ClusterState s = open(scope, "reader").read();
            assertEquals(new TreeSet<>(names).stream().toList(), s.members().stream().map(Member::name).toList());
            for (Member m : s.members()) {
                assertEquals(KitValues.smallMember(m.name()), m.data(), "record of " + m.name());
            }
        }

        @Test
        @DisplayName("DCS-3.7 the holder's member record is linked to the lock (leaderMember)")
        void leaderMember() {
            String scope = newScope("member-lead");
            DcsClient a = open(scope, "node1");
            a.publishMember(KitValues.smallMember("node1"));
            assertTrue(a.acquireLeader());
            assertEquals(Optional.of("node1"), open(scope, "node2").read().leaderMember().map(Member::name));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-4 compare-and-set
    // ------------------------------------------------------------------------------------------------------------

    /** The keys written with a {@link Precondition}. */
    enum CasKey {
        CONFIG {
            @Override
            boolean write(DcsClient c, long v, Precondition p) {
                return c.writeConfig(KitValues.config(v), p);
            }

            @Override
            Optional<Long> version(ClusterState s) {
                return s.config().map(ClusterConfig::version);
            }

            @Override
            Optional<Object> value(ClusterState s) {
                return s.config().map(c -> c.data().get("kit_variant"));
            }

            @Override
            Object expected(long v) {
                return v;
            }
        },
        SYNC {
            @Override
            boolean write(DcsClient c, long v, Precondition p) {
                return c.writeSync(KitValues.sync(v), p);
            }

            @Override
            Optional<Long> version(ClusterState s) {
                return s.sync().map(SyncState::version);
            }

            @Override
            Optional<Object> value(ClusterState s) {
                return s.sync().flatMap(SyncState::leader).map(x -> x);
            }

            @Override
            Object expected(long v) {
                return "node" + v;
            }
        },
        FAILOVER {
            @Override
            boolean write(DcsClient c, long v, Precondition p) {
                return c.writeFailover(KitValues.failover(v), p);
            }

            @Override
            Optional<Long> version(ClusterState s) {
                return s.failover().map(FailoverRequest::version);
            }

            @Override
            Optional<Object> value(ClusterState s) {
                return s.failover().flatMap(FailoverRequest::leader).map(x -> x);
            }

            @Override
            Object expected(long v) {
                return "node" + v;
            }
        },
        HISTORY {
            @Override
            boolean write(DcsClient c, long v, Precondition p) {
                return c.writeHistory(KitValues.history(v), p);
            }

            @Override
            Optional<Long> version(ClusterState s) {
                return s.history().map(History::version);
            }

            @Override
            Optional<Object> value(ClusterState s) {
                return s.history().map(h -> h.entries().get(h.entries().size() - 1).switchLsn());
            }

            @Override
            Object expected(long v) {
                return 83_886_240L + v;
            }
        },
        INITIALIZE {
            @Override
            boolean write(DcsClient c, long v, Precondition p) {
                return c.writeInitialize(KitValues.sysid(v), p);
            }

            @Override
            Optional<Long> version(ClusterState s) {
                return Optional.empty();
            }

            @Override
            Optional<Object> value(ClusterState s) {
                return s.initialize().map(x -> x);
            }

            @Override
            Object expected(long v) {
                return KitValues.sysid(v);
            }
        };

        abstract boolean write(DcsClient c, long variant, Precondition p);

        /** The key's version as read, if the state exposes one. */
        abstract Optional<Long> version(ClusterState s);

        /** What identifies the variant written. */
        abstract Optional<Object> value(ClusterState s);

        abstract Object expected(long variant);

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** DCS-4: compare-and-set on config, sync, failover, history and initialize. */
    @Nested
    @Order(2)
    @DisplayName("DCS-4 compare-and-set")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class CompareAndSet {

        private long currentVersion(CasKey key, DcsClient c) {
            return key.version(c.read()).orElseThrow(() -> new AssertionError(key.key() + " is not readable after a write"));
        }

        @ParameterizedTest(name = "{0}")
        @EnumSource(value = CasKey.class, names = {"CONFIG", "SYNC", "FAILOVER", "HISTORY"})
        @DisplayName("DCS-4.1 a write with a stale version returns false and changes nothing")
        void staleVersionRefused(CasKey key) {
            DcsClient c = open(newScope("cas-stale"), "node1");
            assertTrue(key.write(c, 1, Precondition.any()));
            long v1 = currentVersion(key, c);
            assertTrue(key.write(c, 2, Precondition.version(v1)), "a write with the current version failed");
            assertFalse(key.write(c, 3, Precondition.version(v1)), "a write with a stale version succeeded");
            assertEquals(Optional.of(key.expected(2)), key.value(c.read()), "a refused write changed the value");
        }

        @ParameterizedTest(name = "{0}")
        @EnumSource(value = CasKey.class, names = {"CONFIG", "SYNC", "FAILOVER", "HISTORY"})
        @DisplayName("DCS-4.2 a write with the current version succeeds and gives the key a new version")
        void currentVersionAccepted(CasKey key) {
            String scope = newScope("cas-cur");
            DcsClient c = open(scope, "node1");
            DcsClient other = open(scope, "node2");
            assertTrue(key.write(c, 1, Precondition.any()));
            long v1 = currentVersion(key, other);
            assertTrue(key.write(other, 2, Precondition.version(v1)), "a write with the current version failed");
            ClusterState s = c.read();
            assertEquals(Optional.of(key.expected(2)), key.value(s));
            assertNotEquals(v1, key.version(s).orElseThrow(), "the version did not change with the value");
        }

        @ParameterizedTest(name = "{0}")
        @EnumSource(CasKey.class)
        @DisplayName("DCS-4.3 absent() creates the key only once")
        void absentOnlyOnce(CasKey key) {
            String scope = newScope("cas-absent");
            DcsClient a = open(scope, "node1");
            DcsClient b = open(scope, "node2");
            assertTrue(key.write(a, 1, Precondition.absent()), "absent() on a missing key failed");
            assertFalse(key.write(b, 2, Precondition.absent()), "absent() on an existing key succeeded");
            assertFalse(key.write(a, 3, Precondition.absent()), "absent() on an existing key succeeded");
            assertEquals(Optional.of(key.expected(1)), key.value(b.read()));
        }

        @ParameterizedTest(name = "{0}")
        @EnumSource(value = CasKey.class, names = {"CONFIG", "SYNC", "FAILOVER", "HISTORY"})
        @DisplayName("DCS-4.4 of N writers racing with the same read version exactly one wins, and its value stays")
        void racingWriters(CasKey key) throws Exception {
            String scope = newScope("cas-race");
            int n = Math.max(5, fixture.raceClients());
            List<DcsClient> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(open(scope, "writer" + i));
            }
            assertTrue(key.write(clients.get(0), 999, Precondition.any()));
            long v = currentVersion(key, clients.get(0));
            List<Boolean> results = race(clients, (c, i) -> key.write(c, i, Precondition.version(v)));
            List<Integer> winners = winners(results);
            assertEquals(1, winners.size(), "winners: " + winners);
            assertEquals(Optional.of(key.expected(winners.get(0))), key.value(clients.get(0).read()));
        }

        @Test
        @DisplayName("DCS-4.5 of N clients racing writeInitialize(\"\", absent()) exactly one wins; it then writes the system id")
        void initializeRace() throws Exception {
            String scope = newScope("cas-init");
            int n = Math.max(5, fixture.raceClients());
            List<DcsClient> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(open(scope, "boot" + i));
            }
            List<Integer> winners = winners(race(clients, (c, i) -> c.writeInitialize("", Precondition.absent())));
            assertEquals(1, winners.size(), "winners: " + winners);
            assertEquals(Optional.of(""), clients.get(0).read().initialize());
            DcsClient winner = clients.get(winners.get(0));
            assertTrue(winner.writeInitialize(KitValues.sysid(42), Precondition.any()));
            assertEquals(Optional.of(KitValues.sysid(42)), clients.get(0).read().initialize());
        }

        @ParameterizedTest(name = "{0}")
        @EnumSource(value = CasKey.class, names = {"CONFIG", "SYNC", "FAILOVER", "HISTORY"})
        @DisplayName("DCS-4.6 a version precondition on a missing key returns false and creates nothing")
        void versionOnMissingKey(CasKey key) {
            DcsClient c = open(newScope("cas-missing"), "node1");
            assertFalse(key.write(c, 1, Precondition.version(1)), "a versioned write created a missing key");
            assertEquals(Optional.empty(), key.value(c.read()));
        }

        @Test
        @DisplayName("DCS-4.7 values written through the SPI read back equal (config, sync, failover, history, initialize, status, failsafe)")
        void valuesRoundTrip() {
            String scope = newScope("cas-values");
            DcsClient c = open(scope, "node1");
            assertTrue(c.writeConfig(KitValues.config(7), Precondition.any()));
            assertTrue(c.writeSync(KitValues.sync(7), Precondition.any()));
            assertTrue(c.writeFailover(KitValues.failover(7), Precondition.any()));
            assertTrue(c.writeHistory(KitValues.history(7), Precondition.any()));
            assertTrue(c.writeInitialize(KitValues.sysid(7), Precondition.any()));
            c.writeStatus(KitValues.status(90_000_000L));
            c.writeFailsafe(KitValues.failsafe());
            ClusterState s = open(scope, "node2").read();
            assertEquals(KitValues.config(7), s.config().orElseThrow().data(), "config");
            SyncState sync = s.sync().orElseThrow();
            assertEquals(KitValues.sync(7).leader(), sync.leader(), "sync leader");
            assertEquals(KitValues.sync(7).syncStandbys(), sync.syncStandbys(), "sync standbys");
            assertEquals(KitValues.sync(7).quorum(), sync.quorum(), "sync quorum");
            FailoverRequest f = s.failover().orElseThrow();
            assertEquals(KitValues.failover(7).leader(), f.leader(), "failover leader");
            assertEquals(KitValues.failover(7).candidate(), f.candidate(), "failover candidate");
            assertEquals(KitValues.failover(7).scheduledAt(), f.scheduledAt(), "failover scheduled_at");
            assertEquals(KitValues.history(7), s.history().orElseThrow().entries(), "history");
            assertEquals(3, s.timeline(), "timeline from history");
            assertEquals(Optional.of(KitValues.sysid(7)), s.initialize(), "initialize");
            assertEquals(KitValues.status(90_000_000L), s.status(), "status");
            assertEquals(Optional.of(KitValues.failsafe()), s.failsafe(), "failsafe");
            assertEquals(List.of(), s.warnings());
        }

        @Test
        @DisplayName("DCS-4.8 clearFailover and clearSync honour their precondition; any() on a missing key succeeds")
        void clears() {
            String scope = newScope("cas-clear");
            DcsClient c = open(scope, "node1");
            assertTrue(c.clearFailover(Precondition.any()), "clearFailover(any) on a missing key returned false");
            assertTrue(c.writeFailover(KitValues.failover(1), Precondition.any()));
            long fv = c.read().failover().orElseThrow().version();
            assertTrue(c.writeFailover(KitValues.failover(2), Precondition.version(fv)));
            assertFalse(c.clearFailover(Precondition.version(fv)), "clearFailover with a stale version succeeded");
            assertTrue(c.read().failover().isPresent(), "a refused clearFailover removed the request");
            assertTrue(c.clearFailover(Precondition.version(c.read().failover().orElseThrow().version())));
            assertEquals(Optional.empty(), c.read().failover());

            assertTrue(c.writeSync(KitValues.sync(1), Precondition.any()));
            long sv = c.read().sync().orElseThrow().version();
            assertTrue(c.writeSync(KitValues.sync(2), Precondition.version(sv)));
            assertFalse(c.clearSync(Precondition.version(sv)), "clearSync with a stale version succeeded");
            assertTrue(c.read().sync().isPresent(), "a refused clearSync removed the state");
            assertTrue(c.clearSync(Precondition.version(c.read().sync().orElseThrow().version())));
            assertEquals(Optional.empty(), c.read().sync());
            assertTrue(c.clearSync(Precondition.any()), "clearSync(any) on a missing key returned false");
        }

        @Test
        @DisplayName("DCS-4.9 cancelInitialization removes initialize; deleteCluster removes every key of the cluster")
        void cancelAndDelete() {
            String scope = newScope("cas-delete");
            DcsClient c = open(scope, "node1");
            assertTrue(c.writeInitialize("", Precondition.absent()));
            c.cancelInitialization();
            assertEquals(Optional.empty(), c.read().initialize());
            assertTrue(c.writeInitialize("", Precondition.absent()), "initialize cannot be raced for again after cancel");
            assertTrue(c.acquireLeader());
            c.publishMember(KitValues.smallMember("node1"));
            assertTrue(c.writeConfig(KitValues.config(1), Precondition.any()));
            assertTrue(c.writeSync(KitValues.sync(1), Precondition.any()));
            assertTrue(c.writeFailover(KitValues.failover(1), Precondition.any()));
            assertTrue(c.writeHistory(KitValues.history(1), Precondition.any()));
            c.writeStatus(KitValues.status(1000));
            c.writeFailsafe(KitValues.failsafe());
            c.deleteCluster();
            ClusterState s = open(scope, "node2").read();
            assertEquals(Optional.empty(), s.initialize());
            assertEquals(Optional.empty(), s.config());
            assertEquals(Optional.empty(), s.leader());
            assertEquals(LeaderStatus.NONE, s.status());
            assertEquals(List.of(), s.members());
            assertEquals(Optional.empty(), s.failover());
            assertEquals(Optional.empty(), s.sync());
            assertEquals(Optional.empty(), s.history());
            assertEquals(Optional.empty(), s.failsafe());
        }
    }

    /** One racer's action: client and its index. */
    @FunctionalInterface
    private interface RaceAction {
        boolean run(DcsClient c, int index) throws Exception;
    }

    /** Runs {@code action} on every client at once (released by one latch); returns each result, bounded. */
    private List<Boolean> race(List<DcsClient> clients, RaceAction action) throws Exception {
        int n = clients.size();
        ExecutorService pool = Executors.newFixedThreadPool(n, daemonThreads("kit-race"));
        try {
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                DcsClient c = clients.get(i);
                int index = i;
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return action.run(c, index);
                }));
            }
            assertTrue(ready.await(30, TimeUnit.SECONDS), "racers did not start");
            go.countDown();
            List<Boolean> results = new ArrayList<>();
            for (Future<Boolean> f : futures) {
                results.add(f.get(opLimit().toMillis(), TimeUnit.MILLISECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Integer> winners(List<Boolean> results) {
        List<Integer> w = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i)) {
                w.add(i);
            }
        }
        return w;
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-5 watch
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-5: watches hear about leader-key changes within a second. */
    @Nested
    @Order(9)
    @DisplayName("DCS-5 watch")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class Watch {

        /** Waits until no call has arrived for 200 ms (bounded), so that later calls belong to the next event. */
        private void settle(ListenerRecorder rec) {
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() - deadline < 0) {
                long since = System.nanoTime() - Duration.ofMillis(200).toNanos();
                if (rec.anyCallSince(since).isEmpty()) {
                    return;
                }
                sleep(Duration.ofMillis(50));
            }
        }

        private long assertToldWithin(ListenerRecorder rec, long before, long after, String event) {
            Optional<ListenerRecorder.Call> call = rec.awaitLeaderCall(before, at(after, fixture.watchLatency()));
            assertTrue(call.isPresent(), "the watcher was not told within " + fixture.watchLatency().toMillis()
                    + " ms of " + event + " (calls: " + rec.calls() + ")");
            long latency = Math.max(0, ms(call.get().nanos() - after));
            System.out.println("kit: watch told of " + event + " after " + latency + " ms (" + call.get().kind() + ")");
            return latency;
        }

        @Test
        @DisplayName("DCS-5.1 a watcher is told within 1 s that the lock was released")
        void release() {
            String scope = newScope("watch-release");
            DcsClient holder = open(scope, "holder");
            ListenerRecorder rec = new ListenerRecorder();
            open(scope, "watcher").watch(rec);
            long t = System.nanoTime();
            assertTrue(holder.acquireLeader());
            rec.awaitLeaderCall(t, at(System.nanoTime(), fixture.watchLatency()));
            settle(rec);
            long before = System.nanoTime();
            assertTrue(holder.releaseLeader());
            assertToldWithin(rec, before, System.nanoTime(), "a release");
        }

        @Test
        @DisplayName("DCS-5.2 a watcher is told within 1 s that the lock expired")
        void expiry() {
            awaitScenario(S_WATCH_EXPIRY);
        }

        @Test
        @DisplayName("DCS-5.3 a watcher is told within 1 s that the lock changed hands")
        void newHolder() {
            String scope = newScope("watch-take");
            DcsClient holder = open(scope, "holder");
            DcsClient taker = open(scope, "taker");
            ListenerRecorder rec = new ListenerRecorder();
            open(scope, "watcher").watch(rec);
            long t = System.nanoTime();
            assertTrue(holder.acquireLeader());
            rec.awaitLeaderCall(t, at(System.nanoTime(), fixture.watchLatency()));
            settle(rec);
            long before = System.nanoTime();
            taker.takeLeader();
            assertToldWithin(rec, before, System.nanoTime(), "a new holder");
            assertEquals(Optional.of("taker"), leaderName(holder.read()));
        }

        @Test
        @DisplayName("DCS-5.4 a watcher is told within 1 s that the lock was taken")
        void acquired() {
            String scope = newScope("watch-acquire");
            DcsClient holder = open(scope, "holder");
            ListenerRecorder rec = new ListenerRecorder();
            open(scope, "watcher").watch(rec);
            settle(rec);
            long before = System.nanoTime();
            assertTrue(holder.acquireLeader());
            assertToldWithin(rec, before, System.nanoTime(), "an acquire");
        }

        @Test
        @DisplayName("DCS-5.5 a closed subscription hears nothing more, while another listener of the same client still does")
        void closedSubscription() {
            String scope = newScope("watch-close");
            DcsClient holder = open(scope, "holder");
            DcsClient watcher = open(scope, "watcher");
            ListenerRecorder closed = new ListenerRecorder();
            ListenerRecorder open = new ListenerRecorder();
            DcsClient.Subscription sub = watcher.watch(closed);
            watcher.watch(open);
            sub.close();
            settle(closed);
            long before = System.nanoTime();
            assertTrue(holder.acquireLeader());
            assertToldWithin(open, before, System.nanoTime(), "an acquire (listener still registered)");
            settle(open);
            assertEquals(Optional.empty(), closed.anyCallSince(before), "a closed subscription was still called");
        }

        @Test
        @DisplayName("DCS-5.6 every registered listener, on one client or several, is told of a release")
        void everyListener() {
            String scope = newScope("watch-all");
            DcsClient holder = open(scope, "holder");
            DcsClient w1 = open(scope, "watcher1");
            DcsClient w2 = open(scope, "watcher2");
            List<ListenerRecorder> recs = List.of(new ListenerRecorder(), new ListenerRecorder(), new ListenerRecorder());
            w1.watch(recs.get(0));
            w1.watch(recs.get(1));
            w2.watch(recs.get(2));
            long t = System.nanoTime();
            assertTrue(holder.acquireLeader());
            for (ListenerRecorder r : recs) {
                r.awaitLeaderCall(t, at(System.nanoTime(), fixture.watchLatency()));
                settle(r);
            }
            long before = System.nanoTime();
            assertTrue(holder.releaseLeader());
            long after = System.nanoTime();
            for (ListenerRecorder r : recs) {
                assertToldWithin(r, before, after, "a release (listener " + (recs.indexOf(r) + 1) + " of 3)");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-6 failure and recovery
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-6: with the store down every operation fails in bounded time; afterwards the same clients work. */
    @Nested
    @Order(12)
    @DisplayName("DCS-6 store failure and recovery")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Failure {

        @BeforeAll
        void scenariosFirst() {
            // stopping the store would break the timed scenarios still running
            if (fixture.capabilities().contains(DcsCapability.SERVER_RESTART)) {
                scenarios.awaitAll(scenarioBudget());
            }
        }

        @org.junit.jupiter.api.BeforeEach
        void gateCapability(org.junit.jupiter.api.TestInfo info) {
            if (!info.getTestMethod().map(m -> m.getName().equals("declared")).orElse(false)) {
                gate(DcsCapability.SERVER_RESTART);
            }
        }

        private Duration failLimit() {
            return timings.retryTimeout().plus(fixture.unavailableMargin());
        }

        @Test
        @DisplayName("DCS-6.0 the fixture declares SERVER_RESTART")
        void declared() {
            requireDeclared(DcsCapability.SERVER_RESTART);
        }

        @Test
        @DisplayName("DCS-6.1 with the store stopped every operation fails with DcsUnavailableException within retry_timeout + margin")
        void everyOperationFails() throws Exception {
            Map<String, Consumer<DcsClient>> setups = new LinkedHashMap<>();
            Map<String, Consumer<DcsClient>> ops = new LinkedHashMap<>();
            ops.put("read", DcsClient::read);
            ops.put("acquireLeader", DcsClient::acquireLeader);
            setups.put("refreshLeader", c -> assertTrue(c.acquireLeader()));
            ops.put("refreshLeader", DcsClient::refreshLeader);
            setups.put("releaseLeader", c -> assertTrue(c.acquireLeader()));
            ops.put("releaseLeader", DcsClient::releaseLeader);
            ops.put("takeLeader", DcsClient::takeLeader);
            setups.put("publishMember", c -> c.publishMember(KitValues.smallMember("op")));
            ops.put("publishMember", c -> c.publishMember(KitValues.fullMember("op", 777)));
            setups.put("deleteMember", c -> c.publishMember(KitValues.smallMember("op")));
            ops.put("deleteMember", DcsClient::deleteMember);
            ops.put("writeStatus", c -> c.writeStatus(KitValues.status(4242)));
            ops.put("writeFailsafe", c -> c.writeFailsafe(KitValues.failsafe()));
            ops.put("writeConfig", c -> c.writeConfig(KitValues.config(1), Precondition.any()));
            ops.put("writeFailover", c -> c.writeFailover(KitValues.failover(1), Precondition.any()));
            setups.put("clearFailover", c -> c.writeFailover(KitValues.failover(1), Precondition.any()));
            ops.put("clearFailover", c -> c.clearFailover(Precondition.any()));
            ops.put("writeSync", c -> c.writeSync(KitValues.sync(1), Precondition.any()));
            setups.put("clearSync", c -> c.writeSync(KitValues.sync(1), Precondition.any()));
            ops.put("clearSync", c -> c.clearSync(Precondition.any()));
            ops.put("writeHistory", c -> c.writeHistory(KitValues.history(1), Precondition.any()));
            ops.put("writeInitialize", c -> c.writeInitialize("", Precondition.absent()));
            setups.put("cancelInitialization", c -> c.writeInitialize("", Precondition.absent()));
            ops.put("cancelInitialization", DcsClient::cancelInitialization);
            setups.put("deleteCluster", c -> c.writeConfig(KitValues.config(1), Precondition.any()));
            ops.put("deleteCluster", DcsClient::deleteCluster);

            // one client and one cluster per operation, so that operations run concurrently without interfering
            Map<String, DcsClient> clients = new LinkedHashMap<>();
            for (String op : ops.keySet()) {
                DcsClient c = open(newScope("down-" + op.toLowerCase(Locale.ROOT)), "op");
                c.read();
                if (setups.containsKey(op)) {
                    setups.get(op).accept(c);
                }
                clients.put(op, c);
            }
            Map<String, String> outcomes = new TreeMap<>();
            Duration limit = failLimit();
            fixture.stopServer();
            try {
                Map<String, Thread> threads = new LinkedHashMap<>();
                for (Map.Entry<String, Consumer<DcsClient>> e : ops.entrySet()) {
                    String op = e.getKey();
                    Thread t = new Thread(() -> {
                        long t0 = System.nanoTime();
                        String outcome;
                        try {
                            e.getValue().accept(clients.get(op));
                            outcome = "returned normally";
                        } catch (DcsUnavailableException ex) {
                            long took = ms(System.nanoTime() - t0);
                            outcome = took <= limit.toMillis() ? "ok " + took
                                    : "threw DcsUnavailableException only after " + took + " ms";
                        } catch (Throwable ex) {
                            outcome = "threw " + ex;
                        }
                        synchronized (outcomes) {
                            outcomes.put(op, outcome);
                        }
                    }, "kit-down-" + op);
                    t.setDaemon(true);
                    threads.put(op, t);
                }
                threads.values().forEach(Thread::start);
                long deadline = at(System.nanoTime(), limit.plusMillis(500));
                for (Map.Entry<String, Thread> e : threads.entrySet()) {
                    e.getValue().join(Math.max(1, ms(deadline - System.nanoTime())));
                    if (e.getValue().isAlive()) {
                        e.getValue().interrupt();
                        synchronized (outcomes) {
                            outcomes.putIfAbsent(e.getKey(), "still running after " + limit.toMillis() + " ms (hangs)");
                        }
                    }
                }
            } finally {
                fixture.startServer();
            }
            Map<String, String> failures = new TreeMap<>();
            StringBuilder times = new StringBuilder();
            synchronized (outcomes) {
                outcomes.forEach((op, outcome) -> {
                    if (outcome.startsWith("ok ")) {
                        times.append(' ').append(op).append('=').append(outcome.substring(3)).append("ms");
                    } else {
                        failures.put(op, outcome);
                    }
                });
            }
            System.out.println("kit: DCS-6.1 failures with the store down:" + times);
            assertTrue(failures.isEmpty(), "with the store stopped these operations did not fail with "
                    + "DcsUnavailableException within " + limit.toMillis() + " ms: " + failures);
        }

        @Test
        @DisplayName("DCS-6.2 after the store returns the same client, and one opened during the outage, work without being reopened")
        void recovery() {
            String scope = newScope("recover");
            DcsClient survivor = open(scope, "survivor");
            survivor.publishMember(KitValues.smallMember("survivor"));
            assertTrue(survivor.read().member("survivor").isPresent());
            DcsClient late;
            fixture.stopServer();
            try {
                assertTimeoutPreemptively(failLimit(), () -> assertThrows(DcsUnavailableException.class, survivor::read),
                        "read() with the store down");
                late = assertTimeoutPreemptively(failLimit(), () -> open(scope, "late"),
                        "opening a client while the store is down must not block beyond retry_timeout");
                DcsClient lateClient = late;
                assertTimeoutPreemptively(failLimit(),
                        () -> assertThrows(DcsUnavailableException.class, lateClient::read),
                        "read() by a client opened during the outage");
            } finally {
                fixture.startServer();
            }
            long back = System.nanoTime();
            awaitWorking(survivor, "the client that saw the outage");
            long survivorBack = System.nanoTime();
            assertTrue(survivor.acquireLeader(), "the recovered client cannot acquire the free lock");
            survivor.publishMember(KitValues.smallMember("survivor"));
            awaitWorking(late, "the client opened during the outage");
            ClusterState s = late.read();
            assertTrue(s.isLeader("survivor"), "after recovery the late client reads leader " + leaderName(s));
            assertTrue(s.member("survivor").isPresent());
            late.publishMember(KitValues.smallMember("late"));
            assertTrue(survivor.read().member("late").isPresent());
            System.out.println("kit: DCS-6.2 client worked again " + ms(survivorBack - back)
                    + " ms after the store returned");
        }

        private void awaitWorking(DcsClient c, String who) {
            long deadline = at(System.nanoTime(), fixture.recoveryTimeout());
            RuntimeException last = null;
            while (System.nanoTime() - deadline < 0) {
                try {
                    c.read();
                    return;
                } catch (DcsUnavailableException e) {
                    last = e;
                }
                sleep(Duration.ofMillis(100));
            }
            throw new AssertionError(who + " did not work again within " + fixture.recoveryTimeout().toMillis()
                    + " ms after the store returned", last);
        }

        @Test
        @DisplayName("DCS-6.3 closing clients while the store is down neither throws nor hangs")
        void closeWhileDown() {
            String scope = newScope("down-close");
            DcsClient a = open(scope, "node1");
            DcsClient b = open(scope, "node2");
            assertTrue(a.acquireLeader());
            a.publishMember(KitValues.smallMember("node1"));
            b.watch(what -> { });
            fixture.stopServer();
            try {
                for (DcsClient c : List.of(a, b)) {
                    assertTimeoutPreemptively(failLimit(), () -> {
                        c.close();
                        c.close();
                    }, "close() with the store down");
                }
            } finally {
                fixture.startServer();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-7 isolation
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-7: clusters do not see each other's keys. */
    @Nested
    @Order(3)
    @DisplayName("DCS-7 isolation")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class Isolation {

        private void populate(String namespace, String scope, String owner, long variant) {
            DcsClient c = open(namespace, scope, owner);
            assertTrue(c.acquireLeader(), "cannot acquire the lock of " + namespace + scope);
            c.publishMember(KitValues.smallMember(owner));
            assertTrue(c.writeConfig(KitValues.config(variant), Precondition.any()));
        }

        private void assertOnly(String namespace, String scope, String owner, long variant) {
            ClusterState s = open(namespace, scope, "reader").read();
            String where = namespace + scope;
            assertEquals(Optional.of(owner), leaderName(s), "leader of " + where);
            assertEquals(List.of(owner), s.members().stream().map(Member::name).toList(), "members of " + where);
            assertEquals(Optional.of(variant), s.config().map(c -> c.data().get("kit_variant")), "config of " + where);
        }

        @Test
        @DisplayName("DCS-7.1 two scopes in one namespace, one name a prefix of the other, do not see each other's keys")
        void twoScopes() {
            String a = newScope("iso");
            String b = a + "2";
            populate(PatroniLayout.DEFAULT_NAMESPACE, a, "a-node", 1);
            populate(PatroniLayout.DEFAULT_NAMESPACE, b, "b-node", 2);
            assertOnly(PatroniLayout.DEFAULT_NAMESPACE, a, "a-node", 1);
            assertOnly(PatroniLayout.DEFAULT_NAMESPACE, b, "b-node", 2);
        }

        @Test
        @DisplayName("DCS-7.2 the same scope in two namespaces and the default one are three separate clusters")
        void twoNamespaces() {
            String scope = newScope("iso-ns");
            String ns1 = "/kit-" + run + "/";
            String ns2 = "/kit-" + run + "x/";
            populate(ns1, scope, "n1-node", 1);
            populate(ns2, scope, "n2-node", 2);
            populate(PatroniLayout.DEFAULT_NAMESPACE, scope, "svc-node", 3);
            assertOnly(ns1, scope, "n1-node", 1);
            assertOnly(ns2, scope, "n2-node", 2);
            assertOnly(PatroniLayout.DEFAULT_NAMESPACE, scope, "svc-node", 3);
        }

        @Test
        @DisplayName("DCS-7.3 deleteCluster of one scope leaves a scope whose name it prefixes intact")
        void deleteIsScoped() {
            String a = newScope("iso-del");
            String b = a + "0";
            populate(PatroniLayout.DEFAULT_NAMESPACE, a, "a-node", 1);
            populate(PatroniLayout.DEFAULT_NAMESPACE, b, "b-node", 2);
            open(a, "deleter").deleteCluster();
            assertTrue(open(a, "reader").read().isUnlocked());
            assertOnly(PatroniLayout.DEFAULT_NAMESPACE, b, "b-node", 2);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-8 scale
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-8: a cluster of 100 members reads back in one call. */
    @Nested
    @Order(11)
    @DisplayName("DCS-8 scale")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Scale {

        @BeforeAll
        void scenariosFirst() {
            // a hundred clients load the machine; let the timed scenarios finish undisturbed
            scenarios.awaitAll(scenarioBudget());
        }

        @Test
        @DisplayName("DCS-8.1 100 members publish and one read returns all 100 correctly")
        void hundredMembers() throws Exception {
            String scope = newScope("scale");
            int n = fixture.scaleMembers();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                names.add(String.format(Locale.ROOT, "member%03d", i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8, daemonThreads("kit-scale"));
            try {
                List<Future<?>> done = new ArrayList<>();
                for (String name : names) {
                    done.add(pool.submit(() -> open(scope, name).publishMember(KitValues.smallMember(name))));
                }
                for (Future<?> f : done) {
                    f.get(2, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            DcsClient reader = open(scope, "reader");
            long t0 = System.nanoTime();
            ClusterState s = reader.read();
            long took = System.nanoTime() - t0;
            System.out.println("kit: " + n + "-member read took " + ms(took) + " ms");
            assertEquals(names, s.members().stream().map(Member::name).toList());
            for (Member m : s.members()) {
                assertEquals(KitValues.smallMember(m.name()), m.data(), "record of " + m.name());
            }
            assertEquals(List.of(), s.warnings());
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-9 robustness
    // ------------------------------------------------------------------------------------------------------------

    /** Garbage the robustness group writes: where, what, and what must be skipped. */
    enum Garbage {
        MEMBER_INVALID_JSON("members/kit-bad", "kit-bad", s -> "{\"conn_url\":\"postgres://h:5432/postgres\","),
        MEMBER_NOT_AN_OBJECT("members/kit-bad", "kit-bad", s -> "[\"conn_url\",\"api_url\"]"),
        MEMBER_CONN_URL_A_NUMBER("members/kit-bad", "kit-bad",
                s -> "{\"conn_url\":5432,\"api_url\":\"http://h:8008/patroni\",\"state\":\"running\",\"role\":\"replica\"}"),
        MEMBER_TAGS_A_LIST("members/kit-bad", "kit-bad",
                s -> "{\"conn_url\":\"postgres://h:5432/postgres\",\"api_url\":\"http://h:8008/patroni\",\"tags\":[\"nofailover\"]}"),
        MEMBER_CONTROL_CHARACTERS("members/kit-bad", "kit-bad", s -> "\u0001\u0002garbage\u007f{"),
        MEMBER_HUGE("members/kit-bad", "kit-bad", KitValues::hugeMemberJson),
        CONFIG_INVALID_JSON("config", "config", s -> "{\"ttl\": 30, \"loop_wait\":"),
        CONFIG_NOT_AN_OBJECT("config", "config", s -> "[30, 10, 10]"),
        CONFIG_HUGE("config", "config", KitValues::hugeGarbage),
        FAILOVER_BAD_TIMESTAMP("failover", "failover",
                s -> "{\"leader\":\"node1\",\"member\":\"node2\",\"scheduled_at\":\"tomorrow morning\"}"),
        SYNC_STANDBY_A_LIST("sync", "sync", s -> "{\"leader\":\"node1\",\"sync_standby\":[\"node2\"]}"),
        HISTORY_NOT_A_LIST("history", "history", s -> "{\"timeline\":1}"),
        STATUS_INVALID_JSON("status", "status", s -> "optime=5"),
        FAILSAFE_INVALID_JSON("failsafe", "failsafe", s -> "{\"node1\":"),
        LEADER_EMPTY("leader", "leader", s -> "");

        final String key;
        final String mention;
        final java.util.function.IntFunction<String> value;

        Garbage(String key, String mention, java.util.function.IntFunction<String> value) {
            this.key = key;
            this.mention = mention;
            this.value = value;
        }
    }

    /** DCS-9: garbage in the store yields warnings, never exceptions, and the rest of the state intact. */
    @Nested
    @Order(4)
    @DisplayName("DCS-9 robustness against garbage")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class Robustness {

        @org.junit.jupiter.api.BeforeEach
        void gateCapability(org.junit.jupiter.api.TestInfo info) {
            if (!info.getTestMethod().map(m -> m.getName().equals("declared")).orElse(false)) {
                gate(DcsCapability.RAW_ACCESS);
            }
        }

        @Test
        @DisplayName("DCS-9.0 the fixture declares RAW_ACCESS")
        void declared() {
            requireDeclared(DcsCapability.RAW_ACCESS);
        }

        @ParameterizedTest(name = "{0}")
        @EnumSource(Garbage.class)
        @DisplayName("DCS-9.1 garbage in a key yields a warning and skips the item; the rest of the state is intact")
        void garbageIsSkipped(Garbage g) {
            String scope = newScope("garbage");
            DcsClient node1 = open(scope, "node1");
            DcsClient node2 = open(scope, "node2");
            assertTrue(node1.acquireLeader());
            node1.publishMember(KitValues.smallMember("node1"));
            node2.publishMember(KitValues.smallMember("node2"));
            assertTrue(node1.writeConfig(KitValues.config(1), Precondition.any()));
            fixture.writeRaw(PatroniLayout.DEFAULT_NAMESPACE, scope, g.key, g.value.apply(fixture.hugeValueSize()));

            ClusterState s = assertTimeoutPreemptively(opLimit(), () -> open(scope, "reader").read(),
                    "read() of a cluster holding garbage");
            assertTrue(s.warnings().stream().anyMatch(w -> w.contains(g.mention)),
                    "no warning mentions '" + g.mention + "': " + s.warnings());
            assertEquals(List.of("node1", "node2"), s.members().stream().map(Member::name).toList(),
                    "members besides the garbage one");
            assertEquals(KitValues.smallMember("node1"), s.member("node1").orElseThrow().data());
            if (g == Garbage.LEADER_EMPTY) {
                assertEquals(Optional.empty(), s.leader(), "an empty leader value must read as no leader");
            } else {
                assertEquals(Optional.of("node1"), leaderName(s), "leader");
            }
            if (g.key.equals(PatroniLayout.CONFIG)) {
                assertEquals(Optional.empty(), s.config(), "garbage config must read as no config");
            } else {
                assertEquals(Optional.of(1L), s.config().map(c -> c.data().get("kit_variant")), "config");
            }
            switch (g.key) {
                case PatroniLayout.FAILOVER -> assertEquals(Optional.empty(), s.failover());
                case PatroniLayout.SYNC -> assertEquals(Optional.empty(), s.sync());
                case PatroniLayout.HISTORY -> assertEquals(Optional.empty(), s.history());
                case PatroniLayout.STATUS -> assertEquals(LeaderStatus.NONE, s.status());
                case PatroniLayout.FAILSAFE -> assertEquals(Optional.empty(), s.failsafe());
                default -> assertTrue(s.member("kit-bad").isEmpty(), "the garbage member is listed");
            }
        }

        @Test
        @DisplayName("DCS-9.2 garbage everywhere at once still reads, with one warning per bad key")
        void garbageEverywhere() {
            String scope = newScope("garbage-all");
            DcsClient node1 = open(scope, "node1");
            assertTrue(node1.acquireLeader());
            node1.publishMember(KitValues.smallMember("node1"));
            fixture.writeRaw(PatroniLayout.DEFAULT_NAMESPACE, scope, "members/kit-bad1", "{");
            fixture.writeRaw(PatroniLayout.DEFAULT_NAMESPACE, scope, "members/kit-bad2", "{\"conn_url\":1}");
            fixture.writeRaw(PatroniLayout.DEFAULT_NAMESPACE, scope, "config", "nope");
            fixture.writeRaw(PatroniLayout.DEFAULT_NAMESPACE, scope, "sync", "[]");
            fixture.writeRaw(PatroniLayout.DEFAULT_NAMESPACE, scope, "history", "[[\"x\"]]");
            ClusterState s = open(scope, "reader").read();
            assertTrue(s.warnings().size() >= 5, "expected at least 5 warnings: " + s.warnings());
            assertEquals(Optional.of("node1"), leaderName(s));
            assertEquals(List.of("node1"), s.members().stream().map(Member::name).toList());
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-10 layout
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-10: keys where Patroni keeps them, values in Patroni's formats. */
    @Nested
    @Order(5)
    @DisplayName("DCS-10 Patroni key layout")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class Layout {

        @org.junit.jupiter.api.BeforeEach
        void gateCapability(org.junit.jupiter.api.TestInfo info) {
            if (!info.getTestMethod().map(m -> m.getName().equals("declared")).orElse(false)) {
                gate(DcsCapability.KEY_VALUE_LAYOUT, DcsCapability.RAW_ACCESS);
            }
        }

        @Test
        @DisplayName("DCS-10.0 the fixture declares KEY_VALUE_LAYOUT")
        void declared() {
            requireDeclared(DcsCapability.KEY_VALUE_LAYOUT);
        }

        private Map<String, String> writeEverything(String namespace, String scope) {
            DcsClient c = open(namespace, scope, "node1");
            assertTrue(c.acquireLeader());
            c.publishMember(KitValues.fullMember("node1", 67_108_960L));
            assertTrue(c.writeConfig(KitValues.config(5), Precondition.any()));
            assertTrue(c.writeInitialize(KitValues.sysid(5), Precondition.absent()));
            assertTrue(c.writeFailover(KitValues.failover(5), Precondition.any()));
            assertTrue(c.writeSync(KitValues.sync(5), Precondition.any()));
            assertTrue(c.writeHistory(KitValues.history(5), Precondition.any()));
            c.writeStatus(KitValues.status(67_108_960L));
            c.writeFailsafe(KitValues.failsafe());
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put(PatroniLayout.LEADER, "node1");
            expected.put(PatroniLayout.MEMBERS + "node1", KitValues.fullMember("node1", 67_108_960L).toJson());
            expected.put(PatroniLayout.CONFIG, PatroniLayout.encodeConfig(KitValues.config(5)));
            expected.put(PatroniLayout.INITIALIZE, KitValues.sysid(5));
            expected.put(PatroniLayout.FAILOVER, PatroniLayout.encodeFailover(KitValues.failover(5)));
            expected.put(PatroniLayout.SYNC, PatroniLayout.encodeSync(KitValues.sync(5)));
            expected.put(PatroniLayout.HISTORY, PatroniLayout.encodeHistory(KitValues.history(5)));
            expected.put(PatroniLayout.STATUS, PatroniLayout.encodeStatus(KitValues.status(67_108_960L)));
            expected.put(PatroniLayout.FAILSAFE, PatroniLayout.encodeFailsafe(KitValues.failsafe()));
            return expected;
        }

        private void assertLayout(String namespace, String scope, Map<String, String> expectedRelative) {
            Map<String, String> raw = fixture.readRaw(namespace, scope);
            Map<String, String> expected = new TreeMap<>();
            expectedRelative.forEach((k, v) -> expected.put(fixture.storeKey(namespace, scope, k), v));
            assertEquals(expected.keySet(), new TreeSet<>(raw.keySet()), "keys in the store");
            List<String> problems = new ArrayList<>();
            expected.forEach((key, want) -> {
                String got = raw.get(key);
                if (key.endsWith("/" + PatroniLayout.LEADER) || key.endsWith("/" + PatroniLayout.INITIALIZE)) {
                    if (!want.equals(got)) {
                        problems.add(key + " holds '" + got + "', expected plain '" + want + "'");
                    }
                    return;
                }
                try {
                    if (!Json.parse(want).equals(Json.parse(got))) {
                        problems.add(key + " holds " + got + ", expected " + want);
                    } else if (!isCompactJson(got)) {
                        problems.add(key + " is not compact JSON: " + got);
                    }
                } catch (RuntimeException e) {
                    problems.add(key + " is not JSON (" + e.getMessage() + "): " + got);
                }
            });
            assertTrue(problems.isEmpty(), String.join("\n", problems));
        }

        @Test
        @DisplayName("DCS-10.1 every key sits at /service/<scope>/... with Patroni's value format (leader plain, JSON compact)")
        void defaultNamespace() {
            String scope = newScope("layout");
            assertLayout(PatroniLayout.DEFAULT_NAMESPACE, scope, writeEverything(PatroniLayout.DEFAULT_NAMESPACE, scope));
        }

        @Test
        @DisplayName("DCS-10.2 a custom namespace replaces /service/ and nothing is written under the default one")
        void customNamespace() {
            String scope = newScope("layout-ns");
            String ns = "/kit-layout-" + run + "/";
            assertLayout(ns, scope, writeEverything(ns, scope));
            assertEquals(Map.of(), fixture.readRaw(PatroniLayout.DEFAULT_NAMESPACE, scope),
                    "keys written under the default namespace");
        }

        @Test
        @DisplayName("DCS-10.3 release, deleteMember, clears and cancelInitialization remove their keys; deleteCluster removes all")
        void removals() {
            String scope = newScope("layout-rm");
            String ns = PatroniLayout.DEFAULT_NAMESPACE;
            writeEverything(ns, scope);
            DcsClient c = open(ns, scope, "node1");
            // the same member name: the lock and the record are this member's
            assertTrue(c.releaseLeader());
            c.deleteMember();
            assertTrue(c.clearFailover(Precondition.any()));
            assertTrue(c.clearSync(Precondition.any()));
            c.cancelInitialization();
            Map<String, String> raw = fixture.readRaw(ns, scope);
            for (String k : List.of(PatroniLayout.LEADER, PatroniLayout.MEMBERS + "node1", PatroniLayout.INITIALIZE)) {
                assertFalse(raw.containsKey(fixture.storeKey(ns, scope, k)), k + " is still in the store: " + raw.keySet());
            }
            for (String k : List.of(PatroniLayout.FAILOVER, PatroniLayout.SYNC)) {
                String v = raw.get(fixture.storeKey(ns, scope, k));
                // Patroni clears these by deleting them or, on some stores, by writing {}
                assertTrue(v == null || v.trim().equals("{}"), k + " still holds " + v);
            }
            c.deleteCluster();
            assertEquals(Map.of(), fixture.readRaw(ns, scope), "keys left after deleteCluster");
        }

        @Test
        @DisplayName("DCS-10.4 a cluster written by Patroni (raw keys, legacy forms included) reads back as Patroni means it")
        void patroniWrittenCluster() {
            String scope = newScope("layout-patroni");
            String ns = PatroniLayout.DEFAULT_NAMESPACE;
            Map<String, String> raw = new LinkedHashMap<>();
            raw.put("leader", "node1");
            raw.put("members/node1", "{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\",\"api_url\":"
                    + "\"http://10.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"master\",\"version\":\"3.3.1\","
                    + "\"xlog_location\":67108960,\"timeline\":2,\"tags\":{\"nofailover\":false}}");
            raw.put("members/node2", "{\"conn_url\":\"postgres://10.0.0.2:5432/postgres\",\"api_url\":"
                    + "\"http://10.0.0.2:8008/patroni\",\"state\":\"running\",\"role\":\"replica\",\"version\":\"4.1.4\","
                    + "\"xlog_location\":\"67108000\",\"replication_state\":\"streaming\",\"timeline\":2}");
            raw.put("members/old", "postgres://replicator:secret@10.0.0.3:5432/postgres?application_name="
                    + "http%3A%2F%2F10.0.0.3%3A8008%2Fpatroni");
            raw.put("config", "{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10,\"maximum_lag_on_failover\":1048576,"
                    + "\"postgresql\":{\"use_pg_rewind\":true,\"parameters\":{\"max_connections\":100}}}");
            raw.put("initialize", "7234567890123456789");
            raw.put("failover", "node1:node2");
            raw.put("sync", "{\"leader\":\"node1\",\"sync_standby\":\"node2\",\"quorum\":null}");
            raw.put("history", "[[1,50331808,\"no recovery target specified\",\"2026-11-20T09:00:00+00:00\",\"node1\"]]");
            raw.put("status", "{\"optime\":67108960,\"slots\":{\"node2\":67108000},\"retain_slots\":[]}");
            raw.put("failsafe", "{\"node1\":\"http://10.0.0.1:8008/patroni\",\"node2\":\"http://10.0.0.2:8008/patroni\"}");
            raw.forEach((k, v) -> fixture.writeRaw(ns, scope, k, v));

            ClusterState s = open(ns, scope, "reader").read();
            assertEquals(List.of(), s.warnings());
            assertEquals(Optional.of("node1"), leaderName(s));
            assertEquals(List.of("node1", "node2", "old"), s.members().stream().map(Member::name).toList());
            assertEquals(Optional.of("master"), s.member("node1").orElseThrow().data().role());
            assertEquals(Optional.of(67_108_000L), s.member("node2").orElseThrow().data().xlogLocation());
            assertEquals(Optional.of("http://10.0.0.3:8008/patroni"), s.member("old").orElseThrow().data().apiUrl());
            assertEquals(Optional.of(30L), s.config().map(c -> c.data().get("ttl")));
            assertEquals(Optional.of("7234567890123456789"), s.initialize());
            assertEquals(Optional.of("node1"), s.failover().flatMap(FailoverRequest::leader));
            assertEquals(Optional.of("node2"), s.failover().flatMap(FailoverRequest::candidate));
            assertEquals(List.of("node2"), s.sync().orElseThrow().syncStandbys());
            assertEquals(2, s.timeline());
            assertEquals(67_108_960L, s.status().optime());
            assertEquals(Map.of("node2", 67_108_000L), s.status().slots());
            assertEquals(2, s.failsafe().orElseThrow().size());
        }
    }

    /** Whether {@code json} has no white space outside strings. */
    static boolean isCompactJson(String json) {
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < json.length(); i++) {
            char ch = json.charAt(i);
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (ch == '\\') {
                    escaped = true;
                } else if (ch == '"') {
                    inString = false;
                }
            } else if (ch == '"') {
                inString = true;
            } else if (Character.isWhitespace(ch)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------------------
    // DCS-11 close
    // ------------------------------------------------------------------------------------------------------------

    /** DCS-11: closing never throws. */
    @Nested
    @Order(10)
    @DisplayName("DCS-11 close")
    @TestMethodOrder(MethodOrderer.DisplayName.class)
    class Close {

        @Test
        @DisplayName("DCS-11.1 closing a client never throws, twice either, whatever it holds")
        void closeTwice() {
            String scope = newScope("close");
            DcsClient a = open(scope, "node1");
            assertTrue(a.acquireLeader());
            a.publishMember(KitValues.smallMember("node1"));
            a.watch(what -> { });
            assertTimeoutPreemptively(opLimit(), () -> {
                a.close();
                a.close();
            });
            DcsClient unused = open(scope, "node2");
            assertTimeoutPreemptively(opLimit(), () -> {
                unused.close();
                unused.close();
            });
        }

        @Test
        @DisplayName("DCS-11.2 closing a subscription never throws: twice, or after its client was closed")
        void subscriptionClose() {
            String scope = newScope("close-sub");
            DcsClient a = open(scope, "node1");
            DcsClient.Subscription s1 = a.watch(what -> { });
            DcsClient.Subscription s2 = a.watch(what -> { });
            s1.close();
            s1.close();
            a.close();
            s2.close();
            s2.close();
        }

        @Test
        @DisplayName("DCS-11.3 the lock and member key of a closed client are free again within ttl + tolerance")
        void closedHolder() {
            awaitScenario(S_CLOSED_HOLDER);
        }
    }
}
