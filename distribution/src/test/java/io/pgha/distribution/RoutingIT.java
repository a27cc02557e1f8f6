package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.EtcdFixture;
import io.pgha.distribution.harness.Haproxy;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.spi.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Client traffic follows the primary, proved with the real programs on one three-member cluster on etcd: HAProxy
 * (Debian {@code haproxy}) with {@code OPTIONS /primary} and {@code /replica} checks plus pgha's agent-check port;
 * pgJDBC multi-host URLs ({@code targetServerType=primary}, {@code preferSecondary}); libpq's {@code psql} with
 * {@code target_session_attrs=read-write}. Also {@code GET /metrics} and {@code GET /events} on real agents and
 * {@code pgha events} explaining the failover. How long writes failed is printed ({@code it: [routing] ...}), never
 * asserted; writes must resume, and only on the new primary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoutingIT {
    private static final String TABLE = "it_routing";
    private static final Path PSQL = Path.of("/usr/lib/postgresql/15/bin/psql");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private EtcdFixture dcs;
    private TestCluster cluster;
    private Haproxy haproxy;

    @BeforeAll
    void start() throws Exception {
        dcs = EtcdFixture.launch();
        cluster = TestCluster.create(dcs, "it-routing", 3);
        cluster.startAll();
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(150));
        leader.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id bigserial PRIMARY KEY, writer text NOT NULL, "
                + "at timestamptz NOT NULL DEFAULT clock_timestamp())");
        haproxy = Haproxy.start(cluster.members(), cluster.baseDir().resolve("haproxy"));
    }

    @AfterAll
    void stop() {
        try {
            if (haproxy != null) {
                haproxy.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (dcs != null) {
                dcs.close();
            }
        }
    }

    @BeforeEach
    void healthy(TestInfo info) {
        for (ClusterMember m : cluster.members()) {
            if (!m.agentAlive()) {
                m.start();
            }
        }
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(150));
        for (ClusterMember m : cluster.others(leader)) {
            cluster.awaitStreaming(m, Waits.seconds(120));
        }
        System.out.println("it: [routing] ---- " + info.getDisplayName() + " (leader " + leader + ")");
    }

    private static void report(String format, Object... args) {
        System.out.println("it: [routing] " + String.format(format, args));
    }

    // ---------------------------------------------------------------- metrics, events, agent-check

    @Test
    @Order(1)
    void metricsEventsAndAgentCheckOnRealAgents() throws Exception {
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(30));
        for (ClusterMember m : cluster.members()) {
            HttpResponse<String> r = get(m.restUrl() + "/metrics");
            assertEquals(200, r.statusCode(), m + " /metrics");
            String labels = "{name=\"" + m.name() + "\",scope=\"" + cluster.scope() + "\"}";
            Map<String, Double> samples = samples(r.body());
            assertEquals(m == leader ? 1.0 : 0.0, samples.get("patroni_primary" + labels), m + ": " + r.body());
            assertEquals(m == leader ? 0.0 : 1.0, samples.get("patroni_replica" + labels), m.toString());
            assertEquals(1.0, samples.get("patroni_postgres_running" + labels), m.toString());
            assertTrue(samples.get("patroni_postgres_timeline" + labels) >= 1, m.toString());
            assertTrue(samples.get("pgha_ha_loop_duration_seconds_count" + labels) >= 1, m + ": HA cycles counted");
            assertTrue(samples.keySet().stream().anyMatch(k -> k.startsWith("pgha_dcs_call_seconds_count{")),
                    m + ": DCS calls timed");
        }
        HttpResponse<String> events = get(leader.restUrl() + "/events");
        assertEquals(200, events.statusCode());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> list = (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(events.body()))
                .get("events");
        assertTrue(list.stream().anyMatch(e -> "agent".equals(e.get("kind"))), events.body());

        Map<String, String> expected = expectedStates(leader);
        long start = System.nanoTime();
        Waits.awaitTrue("HAProxy shows the leader UP for writes and the replicas UP for reads, the rest in "
                + "maintenance (from the agent-check), none DOWN", Waits.seconds(30),
                () -> haproxy.stats().equals(expected), () -> haproxy.stats() + "\n" + haproxy.logTail());
        report("HAProxy states as expected after %s: %s", Waits.fmt(Waits.secondsSince(start)), haproxy.stats());
    }

    private Map<String, String> expectedStates(ClusterMember leader) {
        return cluster.members().stream().flatMap(m -> java.util.stream.Stream.of(
                Map.entry("pg_primary/" + m.name(), m == leader ? "UP" : "MAINT"),
                Map.entry("pg_replicas/" + m.name(), m == leader ? "MAINT" : "UP")))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    // ---------------------------------------------------------------- switchover

    @Test
    @Order(2)
    void writesThroughHaproxyFollowASwitchover() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        ClusterMember candidate = cluster.others(oldLeader).get(0);
        try (Writer proxy = Writer.jdbc("haproxy", "jdbc:postgresql://127.0.0.1:" + haproxy.primaryPort()
                + "/postgres?" + TIMEOUTS)) {
            proxy.awaitSuccess(Waits.seconds(15));
            long start = System.nanoTime();
            ClusterMember.Answer a = oldLeader.post("/switchover", Map.of("leader", oldLeader.name(),
                    "candidate", candidate.name()), Waits.seconds(90));
            assertEquals(200, a.status(), a.body());
            ClusterMember newLeader = cluster.awaitNewPrimary(oldLeader, Waits.seconds(60));
            assertEquals(candidate, newLeader);
            proxy.awaitSuccessOn(newLeader.pgPort(), start, Waits.seconds(60));
            report("switchover %s -> %s: writes through HAProxy failed for %s (%s)", oldLeader, newLeader,
                    Waits.fmt(proxy.longestOutageSince(start)), proxy.summarySince(start));
            assertTrue(proxy.successesSince(start).stream().allMatch(w -> w.port() == oldLeader.pgPort()
                    || w.port() == newLeader.pgPort()), "writes went to the old or the new primary only");
        }
        Map<String, String> expected = expectedStates(cluster.awaitHealthy(Waits.seconds(60)));
        Waits.awaitTrue("HAProxy states follow the switchover", Waits.seconds(30),
                () -> haproxy.stats().equals(expected), () -> haproxy.stats().toString());
    }

    // ---------------------------------------------------------------- kill -9 failover, all clients at once

    @Test
    @Order(3)
    void haproxyJdbcAndLibpqFollowAKill9Failover() throws Exception {
        ClusterMember oldLeader = cluster.awaitHealthy(Waits.seconds(30));
        String hosts = cluster.members().stream().map(m -> "127.0.0.1:" + m.pgPort()).collect(Collectors.joining(","));
        String multiHost = "jdbc:postgresql://" + hosts + "/postgres?" + TIMEOUTS;
        assertTrue(readsFromStandby(multiHost + "&targetServerType=preferSecondary"),
                "preferSecondary lands on a standby before the failover");
        try (Writer proxy = Writer.jdbc("haproxy", "jdbc:postgresql://127.0.0.1:" + haproxy.primaryPort()
                + "/postgres?" + TIMEOUTS);
                Writer jdbc = Writer.jdbc("pgjdbc", multiHost + "&targetServerType=primary");
                Writer psql = Writer.psql("libpq", cluster.members());
                Writer discovery = Writer.discovery("discovery", cluster.members())) {
            List<Writer> writers = List.of(proxy, jdbc, psql, discovery);
            for (Writer w : writers) {
                w.awaitSuccess(Waits.seconds(20));
            }
            long postmaster = oldLeader.postmasterPid().orElseThrow(() -> new AssertionError("no postmaster pid"));
            long start = System.nanoTime();
            Procs.signal(oldLeader.agentPid(), Procs.Sig.KILL);
            Procs.signal(postmaster, Procs.Sig.KILL);
            assertTrue(oldLeader.awaitAgentExit(Duration.ofSeconds(10)), "agent survived SIGKILL");
            ClusterMember newLeader = cluster.awaitNewPrimary(oldLeader, Waits.seconds(TestCluster.TTL + 40));
            double failover = Waits.secondsSince(start);
            for (Writer w : writers) {
                w.awaitSuccessOn(newLeader.pgPort(), start, Waits.seconds(60));
            }
            report("kill -9 of %s (agent and postmaster): %s promoted after %s", oldLeader, newLeader,
                    Waits.fmt(failover));
            for (Writer w : writers) {
                report("  writes through %s failed for %s (%s)", w.name(), Waits.fmt(w.longestOutageSince(start)),
                        w.summarySince(start));
                assertTrue(w.successesSince(start).stream().allMatch(s -> s.port() == oldLeader.pgPort()
                        || s.port() == newLeader.pgPort()), w.name() + ": writes went to a primary only");
            }
            // The remaining standby has to re-point to the new primary first, and may restart to do so (a known
            // needless restart after a recent timeline switch, see README, Tests); pgjdbc re-checks a host it found
            // down only after hostRecheckSeconds. So wait, within a bound, for a read to land on it.
            long reroute = System.nanoTime();
            Waits.awaitTrue("preferSecondary lands on the remaining standby after the failover", Waits.seconds(40),
                    () -> {
                        try {
                            return readsFromStandby(
                                    multiHost + "&targetServerType=preferSecondary&hostRecheckSeconds=1");
                        } catch (SQLException e) {
                            return false;
                        }
                    }, () -> cluster.others(oldLeader).stream().map(m -> m + ": " + m.role().orElse("(no answer)"))
                            .collect(Collectors.joining(", ")));
            report("  preferSecondary reached the remaining standby %s after the writes recovered",
                    Waits.fmt(Waits.secondsSince(reroute)));

            Path pgha = oldLeader.pghaHome().resolve("bin/pgha");
            Procs.Result events = Procs.run(Duration.ofSeconds(60), pgha.toString(), "events",
                    newLeader.configFile().toString(), "--since", isoSecondsAgo(start, 5));
            report("pgha events after the failover:%n%s", events.output());
            assertTrue(events.output().contains("promoted"), "the journal explains the promotion:\n" + events.output());
            assertTrue(events.output().contains(newLeader.name()), events.output());
        }
        oldLeader.start();
        cluster.awaitStreaming(oldLeader, Waits.seconds(120));
    }

    private static String isoSecondsAgo(long nanos, int margin) {
        long ago = System.nanoTime() - nanos;
        return java.time.Instant.now().minusNanos(ago).minusSeconds(margin).toString();
    }

    private static boolean readsFromStandby(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, credentials());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
            return r.next() && r.getBoolean(1);
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code name{labels}} to value, for the sample lines of a Prometheus text page. */
    private static Map<String, Double> samples(String text) {
        Map<String, Double> out = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    static final String TIMEOUTS = "connectTimeout=2&socketTimeout=3&loginTimeout=3&ApplicationName=pgha-routing-it";

    static Properties credentials() {
        Properties p = new Properties();
        p.setProperty("user", TestCluster.SUPERUSER);
        p.setProperty("password", TestCluster.SUPERUSER_PASSWORD);
        return p;
    }

    // ---------------------------------------------------------------- a client writing in a loop

    /** One write attempt: when it ended, whether it committed, and on which server port. */
    record Attempt(long nanos, boolean ok, int port, String error) {
    }

    /** A client that writes a row every 100 ms (reconnecting after failures) and remembers every attempt. */
    abstract static class Writer implements AutoCloseable {
        private final String name;
        private final List<Attempt> attempts = new ArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        Writer(String name) {
            this.name = name;
            this.thread = new Thread(this::loop, "it-writer-" + name);
            thread.setDaemon(true);
        }

        static Writer jdbc(String name, String url) {
            Writer w = new Writer(name) {
                private Connection c;

                @Override
                Attempt attempt() {
                    try {
                        if (c == null || c.isClosed()) {
                            c = DriverManager.getConnection(url, credentials());
                        }
                        try (PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE
                                + " (writer) VALUES (?) RETURNING inet_server_port()")) {
                            s.setString(1, name);
                            try (ResultSet r = s.executeQuery()) {
                                r.next();
                                return new Attempt(System.nanoTime(), true, r.getInt(1), null);
                            }
                        }
                    } catch (SQLException e) {
                        closeQuietly();
                        return new Attempt(System.nanoTime(), false, -1, e.getMessage());
                    }
                }

                private void closeQuietly() {
                    try {
                        if (c != null) {
                            c.close();
                        }
                    } catch (SQLException ignored) {
                        // the server is gone
                    }
                    c = null;
                }

                @Override
                void cleanUp() {
                    closeQuietly();
                }
            };
            w.thread.start();
            return w;
        }

        /**
         * The discovery pattern of {@code conf/client-routing.md}: ask the members' {@code GET /cluster} in turn for
         * the member whose role is {@code leader}, connect to its host and port, and discover again after a failure.
         */
        static Writer discovery(String name, List<ClusterMember> members) {
            Writer w = new Writer(name) {
                private Connection c;

                @Override
                Attempt attempt() {
                    try {
                        if (c == null || c.isClosed()) {
                            Optional<String> leader = discoverLeader(members);
                            if (leader.isEmpty()) {
                                return new Attempt(System.nanoTime(), false, -1, "no member names a leader");
                            }
                            c = DriverManager.getConnection("jdbc:postgresql://" + leader.get() + "/postgres?"
                                    + TIMEOUTS, credentials());
                        }
                        try (PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE
                                + " (writer) VALUES (?) RETURNING inet_server_port()")) {
                            s.setString(1, name);
                            try (ResultSet r = s.executeQuery()) {
                                r.next();
                                return new Attempt(System.nanoTime(), true, r.getInt(1), null);
                            }
                        }
                    } catch (SQLException e) {
                        cleanUp();
                        return new Attempt(System.nanoTime(), false, -1, e.getMessage());
                    }
                }

                @Override
                void cleanUp() {
                    try {
                        if (c != null) {
                            c.close();
                        }
                    } catch (SQLException ignored) {
                        // the server is gone
                    }
                    c = null;
                }
            };
            w.thread.start();
            return w;
        }

        /** {@code host:port} of the member some member's {@code GET /cluster} names as leader. */
        @SuppressWarnings("unchecked")
        static Optional<String> discoverLeader(List<ClusterMember> members) {
            for (ClusterMember m : members) {
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(m.restUrl() + "/cluster"))
                            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        continue;
                    }
                    List<Map<String, Object>> list = (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(
                            r.body())).get("members");
                    for (Map<String, Object> e : list) {
                        if ("leader".equals(e.get("role")) && e.get("host") != null) {
                            return Optional.of(e.get("host") + ":" + e.get("port"));
                        }
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    // this member does not answer: ask the next
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
            return Optional.empty();
        }

        /** libpq through {@code psql}: a new session per write, multi-host with target_session_attrs=read-write. */
        static Writer psql(String name, List<ClusterMember> members) {
            String hosts = members.stream().map(m -> "127.0.0.1").collect(Collectors.joining(","));
            String ports = members.stream().map(m -> String.valueOf(m.pgPort())).collect(Collectors.joining(","));
            String conninfo = "host=" + hosts + " port=" + ports + " dbname=postgres user=" + TestCluster.SUPERUSER
                    + " target_session_attrs=read-write connect_timeout=2 application_name=pgha-routing-it";
            Writer w = new Writer(name) {
                @Override
                Attempt attempt() {
                    try {
                        ProcessBuilder pb = new ProcessBuilder(PSQL.toString(), "-XAtq", "-v", "ON_ERROR_STOP=1",
                                "-d", conninfo, "-c", "INSERT INTO " + TABLE + " (writer) VALUES ('" + name
                                        + "') RETURNING inet_server_port()");
                        pb.environment().put("PGPASSWORD", TestCluster.SUPERUSER_PASSWORD);
                        pb.environment().put("PGOPTIONS", "-c statement_timeout=3000");
                        pb.redirectErrorStream(true);
                        Process p = pb.start();
                        String out = new String(p.getInputStream().readAllBytes()).strip();
                        if (!p.waitFor(10, TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                            return new Attempt(System.nanoTime(), false, -1, "psql did not finish");
                        }
                        if (p.exitValue() == 0 && out.matches("[0-9]+")) {
                            return new Attempt(System.nanoTime(), true, Integer.parseInt(out), null);
                        }
                        return new Attempt(System.nanoTime(), false, -1, out);
                    } catch (java.io.IOException e) {
                        return new Attempt(System.nanoTime(), false, -1, e.toString());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return new Attempt(System.nanoTime(), false, -1, "interrupted");
                    }
                }
            };
            w.thread.start();
            return w;
        }

        abstract Attempt attempt();

        void cleanUp() {
        }

        String name() {
            return name;
        }

        private void loop() {
            while (running) {
                long next = System.nanoTime() + Duration.ofMillis(100).toNanos();
                Attempt a = attempt();
                synchronized (attempts) {
                    attempts.add(a);
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    // paces the client at about 10 writes a second; not a synchronisation
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            cleanUp();
        }

        private List<Attempt> since(long nanos) {
            synchronized (attempts) {
                return attempts.stream().filter(a -> a.nanos() >= nanos).toList();
            }
        }

        List<Attempt> successesSince(long nanos) {
            return since(nanos).stream().filter(Attempt::ok).toList();
        }

        void awaitSuccess(Duration timeout) {
            long from = System.nanoTime();
            Waits.awaitTrue(name + " writes", timeout, () -> !successesSince(from).isEmpty(), this::lastError);
        }

        void awaitSuccessOn(int port, long from, Duration timeout) {
            Waits.awaitTrue(name + " writes on port " + port, timeout,
                    () -> successesSince(from).stream().anyMatch(a -> a.port() == port), this::lastError);
        }

        private String lastError() {
            synchronized (attempts) {
                return attempts.isEmpty() ? "no attempt yet" : String.valueOf(attempts.get(attempts.size() - 1));
            }
        }

        /** The longest time between two successful writes from {@code nanos} on (the last success before counts). */
        double longestOutageSince(long nanos) {
            List<Attempt> all;
            synchronized (attempts) {
                all = List.copyOf(attempts);
            }
            long last = all.stream().filter(a -> a.ok() && a.nanos() < nanos).mapToLong(Attempt::nanos).max()
                    .orElse(nanos);
            long longest = 0;
            for (Attempt a : all) {
                if (a.nanos() >= nanos && a.ok()) {
                    longest = Math.max(longest, a.nanos() - last);
                    last = a.nanos();
                }
            }
            return longest / 1e9;
        }

        String summarySince(long nanos) {
            List<Attempt> s = since(nanos);
            long ok = s.stream().filter(Attempt::ok).count();
            Map<String, Long> errors = s.stream().filter(a -> !a.ok())
                    .collect(Collectors.groupingBy(a -> shorten(a.error()), Collectors.counting()));
            return s.size() + " attempts, " + ok + " committed; failures: " + errors;
        }

        private static String shorten(String error) {
            String e = String.valueOf(error).replaceAll("\\s+", " ");
            return e.length() > 80 ? e.substring(0, 80) + "..." : e;
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
