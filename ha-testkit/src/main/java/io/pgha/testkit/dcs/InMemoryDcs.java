package io.pgha.testkit.dcs;

import io.pgha.spi.dcs.ClusterChangeListener;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.dcs.PatroniLayout.RawValue;
import io.pgha.spi.dcs.Precondition;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory DCS: the reference implementation the {@link DcsContractKit} tests itself against, and a fake store
 * for engine unit tests.
 *
 * <p>One {@code InMemoryDcs} is one store shared by any number of clients ({@link #open}); keys are full Patroni paths
 * ({@code /service/batman/leader}). It behaves like etcd: a store-wide revision that every write increments is each
 * key's version (for compare-and-set); the leader and member keys carry a TTL measured on the store's {@link Clock}
 * and vanish when it passes (on a timer for the real clock, or at the next operation or {@link #sweep()} for a fake
 * one); watches see every change under their cluster prefix on a notifier thread. {@link #setAvailable(boolean)
 * setAvailable(false)} simulates an outage: every client operation then fails with {@link DcsUnavailableException}
 * until it is set back, and the same clients work again. {@link #setReachable(String, boolean)} cuts off one
 * member only, and {@link #setLatency(Duration)} slows every operation down (failing it once it reaches the client's
 * retry_timeout).
 *
 * <p>{@link InMemoryDcsProvider} (name {@code inmemory}) opens clients on a store looked up by name
 * ({@link #shared(String)}), for code that goes through the {@link io.pgha.spi.dcs.DcsProvider} SPI.
 *
 * <p>Thread-safe: every operation runs under the store's lock.
 *
 * @since 1.0
 */
public final class InMemoryDcs implements AutoCloseable {
    private static final Map<String, InMemoryDcs> SHARED = new ConcurrentHashMap<>();
    private static final AtomicLong SESSIONS = new AtomicLong();

    private final Clock clock;
    private final NavigableMap<String, Entry> entries = new TreeMap<>();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final ScheduledExecutorService notifier;
    private final java.util.Set<String> unreachable = ConcurrentHashMap.newKeySet();
    private long revision;
    private volatile Duration latency = Duration.ZERO;
    private volatile boolean available = true;
    private volatile boolean closed;

    /** One stored value. {@code expiresAt} is {@link Long#MAX_VALUE} for keys without a TTL. */
    private record Entry(String value, long version, String session, long expiresAt) {
    }

    /** One subscription; identity matters (the same listener may be registered twice). */
    private static final class Watch {
        private final String prefix;
        private final ClusterChangeListener listener;

        Watch(String prefix, ClusterChangeListener listener) {
            this.prefix = prefix;
            this.listener = listener;
        }

        String prefix() {
            return prefix;
        }

        ClusterChangeListener listener() {
            return listener;
        }
    }

    /** A store on the system clock. */
    public InMemoryDcs() {
        this(Clock.systemUTC());
    }

    /**
     * A store whose TTLs are measured on {@code clock}. With a clock that does not follow real time, call
     * {@link #sweep()} after moving it (operations sweep too).
     */
    public InMemoryDcs(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("inmemory-dcs-expiry"));
        this.notifier = Executors.newSingleThreadScheduledExecutor(daemon("inmemory-dcs-notify"));
    }

    /**
     * The store registered under {@code name}, created on first use; {@link InMemoryDcsProvider} opens clients on it
     * (option {@code store}, default {@code default}).
     */
    public static InMemoryDcs shared(String name) {
        Objects.requireNonNull(name, "name is null");
        return SHARED.compute(name, (k, existing) -> existing == null || existing.closed ? new InMemoryDcs() : existing);
    }

    /** Closes and forgets the store registered under {@code name}, if any. */
    public static void closeShared(String name) {
        InMemoryDcs store = SHARED.remove(name);
        if (store != null) {
            store.close();
        }
    }

    /** Opens a client for the cluster and member of {@code context}, with its timings. */
    public DcsClient open(DcsContext context) {
        Objects.requireNonNull(context, "context is null");
        return new InMemoryDcsClient(this, context, "inmemory-" + SESSIONS.incrementAndGet());
    }

    /** Ends or starts a simulated outage: while unavailable every client operation fails. */
    public void setAvailable(boolean available) {
        this.available = available;
    }

    public boolean isAvailable() {
        return available;
    }

    /**
     * Cuts one member off (a network partition around that agent): operations of clients opened for
     * {@code memberName} fail with {@link DcsUnavailableException} while the others go on. Keys are untouched.
     */
    public void setReachable(String memberName, boolean reachable) {
        Objects.requireNonNull(memberName, "memberName is null");
        if (reachable) {
            unreachable.remove(memberName);
        } else {
            unreachable.add(memberName);
        }
    }

    /**
     * Makes every client operation take {@code latency} longer (a slow store). An operation whose latency reaches
     * its client's retry_timeout fails with {@link DcsUnavailableException} after retry_timeout, without effect.
     */
    public void setLatency(Duration latency) {
        Objects.requireNonNull(latency, "latency is null");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency is negative: " + latency);
        }
        this.latency = latency;
    }

    /** The store's clock. */
    public Clock clock() {
        return clock;
    }

    /** The store-wide revision: the version the next write gets, minus one. */
    public synchronized long revision() {
        return revision;
    }

    /** Removes every key whose TTL has passed, notifying watches. Operations do this by themselves. */
    public void sweep() {
        synchronized (this) {
            expireDue();
        }
    }

    /** Stores {@code value} at the full key {@code key} with no TTL, bypassing every check; notifies watches. */
    public void writeRaw(String key, String value) {
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(value, "value is null");
        synchronized (this) {
            put(key, value, "", Long.MAX_VALUE);
        }
    }

    /** Deletes the full key {@code key}, bypassing every check; notifies watches. */
    public void deleteRaw(String key) {
        synchronized (this) {
            delete(key);
        }
    }

    /** Every live key starting with {@code prefix}, with its value, in key order. */
    public Map<String, String> readRaw(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        synchronized (this) {
            expireDue();
            sub(prefix).forEach((k, e) -> out.put(k, e.value()));
        }
        return out;
    }

    /** Stops the timer and notifier threads; clients of a closed store fail with {@link DcsUnavailableException}. */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        notifier.shutdownNow();
        watches.clear();
    }

    @Override
    public String toString() {
        return "InMemoryDcs[" + (available ? "available" : "unavailable") + ", revision " + revision() + "]";
    }

    // ---- operations used by InMemoryDcsClient; callers check availability first ----

    /** Called before each client operation, outside the lock: partitions and latency. */
    void enter(String memberName, Duration retryTimeout) {
        checkAvailable();
        if (unreachable.contains(memberName)) {
            throw new DcsUnavailableException("member " + memberName + " is cut off from the in-memory store (simulated partition)");
        }
        Duration l = latency;
        if (l.isZero()) {
            return;
        }
        if (l.compareTo(retryTimeout) >= 0) {
            io.pgha.testkit.Timing.pause(retryTimeout);
            throw new DcsUnavailableException("the in-memory store did not answer within retry_timeout "
                    + retryTimeout.toMillis() + " ms (simulated latency " + l.toMillis() + " ms)");
        }
        io.pgha.testkit.Timing.pause(l);
    }

    void checkAvailable() {
        if (closed) {
            throw new DcsUnavailableException("the in-memory store is closed");
        }
        if (!available) {
            throw new DcsUnavailableException("the in-memory store is unavailable (simulated outage)");
        }
    }

    synchronized Map<String, RawValue> snapshot(String prefix) {
        checkAvailable();
        expireDue();
        Map<String, RawValue> out = new LinkedHashMap<>();
        sub(prefix).forEach((k, e) -> out.put(k.substring(prefix.length()), new RawValue(e.value(), e.version(), e.session())));
        return out;
    }

    /** Writes {@code value} if {@code precondition} holds; {@code ttl} null means no TTL. */
    synchronized boolean write(String key, String value, Precondition precondition, String session, Duration ttl) {
        checkAvailable();
        expireDue();
        if (!holds(entries.get(key), precondition)) {
            return false;
        }
        put(key, value, session, expiry(ttl));
        return true;
    }

    /** Extends the TTL of {@code key} if it holds {@code expectedValue}; the version does not change. */
    synchronized boolean refresh(String key, String expectedValue, Duration ttl) {
        checkAvailable();
        expireDue();
        Entry e = entries.get(key);
        if (e == null || !e.value().equals(expectedValue)) {
            return false;
        }
        long expiresAt = expiry(ttl);
        entries.put(key, new Entry(e.value(), e.version(), e.session(), expiresAt));
        scheduleSweep(expiresAt);
        return true;
    }

    /** Deletes {@code key} if it holds {@code expectedValue}. */
    synchronized boolean deleteIfValue(String key, String expectedValue) {
        checkAvailable();
        expireDue();
        Entry e = entries.get(key);
        if (e == null || !e.value().equals(expectedValue)) {
            return false;
        }
        delete(key);
        return true;
    }

    /** Deletes {@code key} if {@code precondition} holds (a missing key satisfies {@link Precondition#any()}). */
    synchronized boolean deleteIf(String key, Precondition precondition) {
        checkAvailable();
        expireDue();
        if (!holds(entries.get(key), precondition)) {
            return false;
        }
        delete(key);
        return true;
    }

    synchronized void deletePrefix(String prefix) {
        checkAvailable();
        expireDue();
        for (String key : new ArrayList<>(sub(prefix).keySet())) {
            delete(key);
        }
    }

    Runnable addWatch(String prefix, ClusterChangeListener listener) {
        Watch w = new Watch(prefix, listener);
        watches.add(w);
        return () -> watches.remove(w);
    }

    // ---- internals, called with the lock held ----

    private static boolean holds(Entry current, Precondition precondition) {
        if (precondition instanceof Precondition.Any) {
            return true;
        }
        if (precondition instanceof Precondition.Absent) {
            return current == null;
        }
        if (precondition instanceof Precondition.AtVersion v) {
            return current != null && current.version() == v.version();
        }
        throw new IllegalArgumentException("unknown precondition " + precondition);
    }

    private NavigableMap<String, Entry> sub(String prefix) {
        return entries.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
    }

    private long expiry(Duration ttl) {
        return ttl == null ? Long.MAX_VALUE : clock.millis() + ttl.toMillis();
    }

    private void put(String key, String value, String session, long expiresAt) {
        entries.put(key, new Entry(value, ++revision, session, expiresAt));
        scheduleSweep(expiresAt);
        changed(key);
    }

    private void delete(String key) {
        if (entries.remove(key) != null) {
            revision++;
            changed(key);
        }
    }

    private void expireDue() {
        long now = clock.millis();
        List<String> due = new ArrayList<>();
        entries.forEach((k, e) -> {
            if (e.expiresAt() <= now) {
                due.add(k);
            }
        });
        due.forEach(this::delete);
    }

    private void scheduleSweep(long expiresAt) {
        if (expiresAt == Long.MAX_VALUE || closed) {
            return;
        }
        long delay = Math.max(0, expiresAt - clock.millis()) + 1;
        try {
            timer.schedule(this::sweep, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile: nobody is left to notify
        }
    }

    private void changed(String key) {
        for (Watch w : watches) {
            if (key.startsWith(w.prefix())) {
                ChangeKind kind = kindOf(key.substring(w.prefix().length()));
                try {
                    notifier.execute(() -> deliver(w, kind));
                } catch (RejectedExecutionException e) {
                    return;
                }
            }
        }
    }

    private void deliver(Watch w, ChangeKind kind) {
        // a subscription closed after the change was queued is not told about it
        if (!watches.contains(w)) {
            return;
        }
        try {
            w.listener().clusterChanged(kind);
        } catch (RuntimeException e) {
            // a faulty listener must not stop deliveries to the others
        }
    }

    static ChangeKind kindOf(String relativeKey) {
        if (relativeKey.equals(PatroniLayout.LEADER)) {
            return ChangeKind.LEADER;
        }
        if (relativeKey.equals(PatroniLayout.CONFIG)) {
            return ChangeKind.CONFIG;
        }
        if (relativeKey.equals(PatroniLayout.FAILOVER)) {
            return ChangeKind.FAILOVER;
        }
        if (relativeKey.startsWith(PatroniLayout.MEMBERS)) {
            return ChangeKind.MEMBERS;
        }
        if (relativeKey.equals(PatroniLayout.STATUS) || relativeKey.equals(PatroniLayout.LEGACY_LEADER_OPTIME)) {
            return ChangeKind.STATUS;
        }
        return ChangeKind.OTHER;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
