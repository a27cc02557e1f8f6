package io.pgha.distribution.harness;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Samples which members accept writes, to check the safety property of every failover: never two writable
 * primaries. A background thread runs rounds every {@code interval}; in each round every member gets, concurrently,
 * one tiny committed {@code INSERT} (autocommit) on a kept-open connection with short timeouts, and the round
 * records which members accepted it. {@link #assertNeverTwoWritable()} fails if any round had two.
 *
 * <p>A member whose previous attempt is still running (a slow or hung server) is skipped for that round and
 * recorded as {@code busy}, so a stuck member cannot stall the sampling of the others. An attempt whose answer
 * times out is recorded as failed: its commit may still have happened, which this sampler cannot see — the rounds
 * are a lower bound on what was writable.
 */
public final class WritabilitySampler implements AutoCloseable {
    /** The table the probes insert into; created by {@link #createTable(ClusterMember)} on the primary. */
    public static final String TABLE = "it_writability_probe";

    private final List<ClusterMember> members;
    private final Duration interval;
    private final Duration attemptTimeout = Duration.ofSeconds(3);
    private final Map<String, ExecutorService> workers = new LinkedHashMap<>();
    private final Map<String, Connection> connections = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Future<String>> pending = new LinkedHashMap<>();
    private final List<Round> rounds = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private final long startedNanos = System.nanoTime();
    private volatile boolean running = true;
    private long sequence;

    /** One round: when it ran, who accepted the insert, and why the others did not. */
    public record Round(long number, long startNanos, long endNanos, Set<String> accepted, Map<String, String> refused) {
    }

    private WritabilitySampler(List<ClusterMember> members, Duration interval) {
        this.members = List.copyOf(members);
        this.interval = interval;
        for (ClusterMember m : this.members) {
            workers.put(m.name(), Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "writability-" + m.name());
                t.setDaemon(true);
                return t;
            }));
        }
        this.thread = new Thread(this::run, "writability-sampler");
        this.thread.setDaemon(true);
    }

    /** Starts sampling {@code members} every 100 ms. */
    public static WritabilitySampler start(List<ClusterMember> members) {
        return start(members, Duration.ofMillis(100));
    }

    public static WritabilitySampler start(List<ClusterMember> members, Duration interval) {
        WritabilitySampler s = new WritabilitySampler(members, interval);
        s.thread.start();
        return s;
    }

    /** Creates the probe table (idempotent); run on the primary, it reaches the replicas by replication. */
    public static void createTable(ClusterMember primary) throws SQLException {
        primary.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id bigserial PRIMARY KEY, member text NOT NULL, "
                + "round bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    }

    private void run() {
        long next = System.nanoTime();
        while (running) {
            sampleOnce();
            next += interval.toNanos();
            long now = System.nanoTime();
            if (next < now) {
                next = now; // a slow round: start the next one at once rather than bunching up
            }
            io.pgha.testkit.Timing.pauseUntil(next);
        }
    }

    private void sampleOnce() {
        long number = ++sequence;
        long start = System.nanoTime();
        Map<String, Future<String>> submitted = new LinkedHashMap<>();
        Map<String, String> refused = new LinkedHashMap<>();
        for (ClusterMember m : members) {
            Future<String> previous = pending.get(m.name());
            if (previous != null && !previous.isDone()) {
                refused.put(m.name(), "busy (previous attempt still running)");
                continue;
            }
            Future<String> f = workers.get(m.name()).submit(() -> attempt(m, number));
            pending.put(m.name(), f);
            submitted.put(m.name(), f);
        }
        Set<String> accepted = new TreeSet<>();
        long deadline = start + attemptTimeout.toNanos();
        for (Map.Entry<String, Future<String>> e : submitted.entrySet()) {
            try {
                String outcome = e.getValue().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (outcome == null) {
                    accepted.add(e.getKey());
                } else {
                    refused.put(e.getKey(), outcome);
                }
            } catch (TimeoutException ex) {
                refused.put(e.getKey(), "no answer within " + Waits.describe(attemptTimeout));
            } catch (Exception ex) {
                refused.put(e.getKey(), String.valueOf(ex));
            }
        }
        rounds.add(new Round(number, start, System.nanoTime(), accepted, refused));
    }

    /** null when the insert committed, else why not. */
    private String attempt(ClusterMember m, long round) {
        Connection c = connections.get(m.name());
        try {
            if (c == null) {
                c = m.connect();
                connections.put(m.name(), c);
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE + " (member, round) VALUES (?, ?)")) {
                s.setString(1, m.name());
                s.setLong(2, round);
                s.executeUpdate();
            }
            return null;
        } catch (SQLException e) {
            if (c != null) {
                connections.remove(m.name());
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the connection is being thrown away
                }
            }
            String msg = String.valueOf(e.getMessage());
            return msg.length() > 120 ? msg.substring(0, 120) + "..." : msg;
        }
    }

    /** The rounds so far. */
    public List<Round> rounds() {
        synchronized (rounds) {
            return List.copyOf(rounds);
        }
    }

    /** When {@code member} last accepted an insert ({@link System#nanoTime()} at the end of that round). */
    public Optional<Long> lastAccepted(String member) {
        List<Round> all = rounds();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).accepted().contains(member)) {
                return Optional.of(all.get(i).endNanos());
            }
        }
        return Optional.empty();
    }

    /** Whether {@code member} accepted an insert in a round that started after {@code nanos}. */
    public boolean acceptedSince(String member, long nanos) {
        return rounds().stream().anyMatch(r -> r.startNanos() >= nanos && r.accepted().contains(member));
    }

    /** Whether {@code member} refused every insert in the rounds that started after {@code nanos} (at least one). */
    public boolean refusedEverySince(String member, long nanos, int atLeastRounds) {
        List<Round> since = rounds().stream().filter(r -> r.startNanos() >= nanos).toList();
        return since.size() >= atLeastRounds && since.stream().noneMatch(r -> r.accepted().contains(member));
    }

    /** Waits until some round accepted a write on {@code member} (proves the sampler sees that primary). */
    public void awaitAccepted(ClusterMember member, Duration timeout) {
        long from = System.nanoTime();
        Waits.awaitTrue("the writability sampler saw " + member + " accept a write", timeout,
                () -> acceptedSince(member.name(), from), this::recentRounds);
    }

    /** Stops sampling (the rounds stay readable) and closes the connections. */
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.values().forEach(ExecutorService::shutdownNow);
        connections.values().forEach(c -> {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        });
        connections.clear();
    }

    /** Fails, with the offending rounds and their neighbourhood, if any round had more than one accepting member. */
    public void assertNeverTwoWritable() {
        List<Round> all = rounds();
        List<Round> bad = all.stream().filter(r -> r.accepted().size() > 1).toList();
        if (bad.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("two members accepted writes in the same sampling round (")
                .append(bad.size()).append(" of ").append(all.size()).append(" rounds), split brain:\n");
        for (Round r : bad.subList(0, Math.min(5, bad.size()))) {
            sb.append("  ").append(describe(r)).append('\n');
        }
        Round first = bad.get(0);
        int at = all.indexOf(first);
        sb.append("rounds around the first one:\n");
        for (Round r : all.subList(Math.max(0, at - 5), Math.min(all.size(), at + 6))) {
            sb.append("  ").append(describe(r)).append('\n');
        }
        throw new AssertionError(sb.toString());
    }

    /** How many rounds ran and how many had exactly one / no writable member. */
    public String summary() {
        List<Round> all = rounds();
        long one = all.stream().filter(r -> r.accepted().size() == 1).count();
        long none = all.stream().filter(r -> r.accepted().isEmpty()).count();
        long two = all.stream().filter(r -> r.accepted().size() > 1).count();
        return all.size() + " rounds: " + one + " with one writable member, " + none + " with none, " + two
                + " with two or more";
    }

    /** The last rounds, for failure messages. */
    public String recentRounds() {
        List<Round> all = rounds();
        return all.subList(Math.max(0, all.size() - 5), all.size()).stream().map(this::describe)
                .collect(Collectors.joining("; "));
    }

    private String describe(Round r) {
        return String.format(java.util.Locale.ROOT, "round %d at +%.2f s (%.0f ms): accepted %s; refused %s", r.number(),
                (r.startNanos() - startedNanos) / 1e9, (r.endNanos() - r.startNanos()) / 1e6, r.accepted(),
                r.refused().keySet());
    }

    /** Seconds between the sampler's start and {@code nanos}, for messages. */
    public double secondsFromStart(long nanos) {
        return (nanos - startedNanos) / 1e9;
    }

    @Override
    public void close() {
        stop();
    }
}
