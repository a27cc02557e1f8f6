package io.pgha.distribution.harness;

import io.pgha.testkit.TempDirectories;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real pgha cluster for end-to-end tests: N members of one scope on one {@link DcsFixture}, each run as
 * {@code bin/pgha agent <conf>} from a private copy of the distribution the build laid out in target/pgha/, with a Patroni-format
 * configuration generated here — free loopback ports, data directories under a temporary base that the
 * {@code postgres} OS user can traverse (the tests run as root; PostgreSQL runs as postgres).
 *
 * <p>It reads the cluster through the members' REST API ({@code /cluster}, {@code /patroni}), waits for states with
 * bounded timeouts, and on {@link #close()} stops everything it started, by pid only: agents with SIGTERM then
 * SIGKILL, then any postmaster still running on one of its data directories. {@link #diagnostics()} gathers what
 * a failed scenario needs (agent and PostgreSQL log tails, processes, the last cluster view).
 */
public final class TestCluster implements AutoCloseable {
    /** Timings of the generated configurations: short, so that a failover test takes seconds, not minutes. */
    public static final int TTL = 20;
    public static final int LOOP_WAIT = 2;
    public static final int RETRY_TIMEOUT = 5;

    public static final String SUPERUSER = "postgres";
    public static final String SUPERUSER_PASSWORD = "it-super-secret";
    public static final String REPLICATION_USER = "replicator";
    public static final String REPLICATION_PASSWORD = "it-repl-secret";

    private final DcsFixture dcs;
    private final String scope;
    private final Path base;
    private final Path pghaHome;
    private final List<ClusterMember> members = new ArrayList<>();
    private final List<ClusterMember> extras = new ArrayList<>();
    private final Set<Integer> usedPorts = new HashSet<>();
    private final Thread emergencyStop;
    private volatile boolean keepFiles;

    private int ttl = TTL;
    private int loopWait = LOOP_WAIT;
    private int retryTimeout = RETRY_TIMEOUT;
    private String extraBootstrapDcs = "";

    private TestCluster(DcsFixture dcs, String scope, Path base, Path pghaHome) {
        this.dcs = dcs;
        this.scope = scope;
        this.base = base;
        this.pghaHome = pghaHome;
        // if the test JVM is torn down abruptly (failsafe timeout, Ctrl-C), do not leave agents and postmasters behind
        this.emergencyStop = new Thread(this::killEverything, "it-cluster-emergency-stop");
        Runtime.getRuntime().addShutdownHook(emergencyStop);
    }

    /**
     * Creates the configurations of {@code size} members named {@code n1..nN} (nothing is started yet).
     *
     * @throws IllegalStateException when the distribution has not been laid out (run {@code mvn package} first)
     */
    public static TestCluster create(DcsFixture dcs, String scope, int size) {
        return create(dcs, scope, size, TTL, LOOP_WAIT, RETRY_TIMEOUT);
    }

    /** {@link #create(DcsFixture, String, int)} with other timings in {@code bootstrap.dcs}. */
    public static TestCluster create(DcsFixture dcs, String scope, int size, int ttl, int loopWait, int retryTimeout) {
        return create(dcs, scope, size, ttl, loopWait, retryTimeout, "");
    }

    /**
     * {@link #create(DcsFixture, String, int)} with {@code extraBootstrapDcs} added to {@code bootstrap.dcs}: flow-style
     * YAML entries ending with a comma, e.g. {@code "standby_cluster: {host: 127.0.0.1, port: 5433}, "}.
     */
    public static TestCluster create(DcsFixture dcs, String scope, int size, String extraBootstrapDcs) {
        return create(dcs, scope, size, TTL, LOOP_WAIT, RETRY_TIMEOUT, extraBootstrapDcs);
    }

    private static TestCluster create(DcsFixture dcs, String scope, int size, int ttl, int loopWait, int retryTimeout,
            String extraBootstrapDcs) {
        Path home = pghaHome();
        Path base;
        try {
            base = Files.createTempDirectory("pgha-it-" + scope + "-");
            traversable(base);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster's temporary directory", e);
        }
        TestCluster c = new TestCluster(dcs, scope, base, privateCopy(home, base.resolve("pgha-dist")));
        c.ttl = ttl;
        c.loopWait = loopWait;
        c.retryTimeout = retryTimeout;
        c.extraBootstrapDcs = extraBootstrapDcs;
        for (int i = 1; i <= size; i++) {
            c.members.add(c.newMember("n" + i));
        }
        return c;
    }

    /** The distribution to run: {@code -Dpgha.it.home} (set by the POM), else {@code target/pgha}. */
    public static Path pghaHome() {
        Path home = Path.of(System.getProperty("pgha.it.home", "target/pgha")).toAbsolutePath();
        if (!Files.isExecutable(home.resolve("bin/pgha"))) {
            throw new IllegalStateException(home.resolve("bin/pgha") + " does not exist: the end-to-end tests run the "
                    + "laid-out distribution; build it first (mvn -o install -DskipTests, or run them with mvn verify)");
        }
        return home;
    }

    /**
     * Copies the distribution into the cluster's directory and runs the agents from there. The agents load classes
     * lazily from lib/ for as long as they run; a build that lays out target/pgha/ again meanwhile (another module's
     * or another developer's mvn run in the same tree) rewrites those jars in place, and the running agents then fail
     * with NoClassDefFoundError in the middle of a failover. A private copy keeps every run on one consistent build.
     */
    private static Path privateCopy(Path home, Path target) {
        try (Stream<Path> walk = Files.walk(home)) {
            for (Path from : walk.toList()) {
                Path to = target.resolve(home.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            traversable(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the distribution " + home + " to " + target, e);
        }
        return target;
    }

    /**
     * Adds a member that is not part of {@link #members()} (the scenarios' steady cluster), for example one with a
     * foreign data directory. It is still stopped and cleaned up by {@link #close()}.
     */
    public ClusterMember addExtraMember(String name) {
        ClusterMember m = newMember(name);
        extras.add(m);
        return m;
    }

    private ClusterMember newMember(String name) {
        int rest = freePort();
        int pg = freePort();
        int agentCheck = freePort();
        Path dir = base.resolve(name);
        Path data = dir.resolve("data");
        Path conf = dir.resolve("patroni.yml");
        try {
            Files.createDirectories(dir);
            traversable(dir);
            Files.writeString(conf, config(name, rest, pg, agentCheck, data), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare member " + name + " in " + dir, e);
        }
        return new ClusterMember(name, dir, conf, data, rest, pg, agentCheck, SUPERUSER, SUPERUSER_PASSWORD, pghaHome);
    }

    /** A Patroni configuration as an operator would write it (flow-style YAML). */
    private String config(String name, int rest, int pg, int agentCheck, Path data) {
        return String.join("\n",
                "scope: " + scope,
                "name: " + name,
                "restapi: {listen: 127.0.0.1:" + rest + ", connect_address: 127.0.0.1:" + rest
                        + ", agent_check_listen: 127.0.0.1:" + agentCheck + "}",
                dcs.configYaml(),
                "bootstrap:",
                "  dcs: {ttl: " + ttl + ", loop_wait: " + loopWait + ", retry_timeout: " + retryTimeout
                        + ", maximum_lag_on_failover: 1048576, " + extraBootstrapDcs,
                "        postgresql: {use_pg_rewind: true, use_slots: true,",
                "                     parameters: {wal_log_hints: \"on\", max_connections: 50, shared_buffers: 16MB,",
                "                                  wal_keep_size: 128MB}}}",
                "  initdb: [{encoding: UTF8}, data-checksums]",
                "  pg_hba: [\"local all all trust\", \"host all all 127.0.0.1/32 md5\",",
                "           \"host replication " + REPLICATION_USER + " 127.0.0.1/32 md5\"]",
                "postgresql:",
                "  listen: 127.0.0.1:" + pg,
                "  connect_address: 127.0.0.1:" + pg,
                "  data_dir: " + data,
                "  authentication:",
                "    superuser: {username: " + SUPERUSER + ", password: " + SUPERUSER_PASSWORD + "}",
                "    replication: {username: " + REPLICATION_USER + ", password: " + REPLICATION_PASSWORD + "}",
                "");
    }

    /** rwxr-xr-x: the postgres user must traverse the directories above its data directory. */
    private static void traversable(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A port of this JVM's block (see LoopbackPorts): a member that is down keeps its ports from other tests. */
    private synchronized int freePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = LoopbackPorts.next();
            if (usedPorts.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no distinct free loopback port found");
    }

    // ---------------------------------------------------------------- accessors

    public DcsFixture dcs() {
        return dcs;
    }

    public String scope() {
        return scope;
    }

    /** The key prefix Patroni uses for this cluster: {@code /service/<scope>/}. */
    public String keyPrefix() {
        return "/service/" + scope + "/";
    }

    public Path baseDir() {
        return base;
    }

    /** The steady members {@code n1..nN}. */
    public List<ClusterMember> members() {
        return List.copyOf(members);
    }

    public ClusterMember member(String name) {
        return Stream.concat(members.stream(), extras.stream()).filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + name));
    }

    public List<ClusterMember> others(ClusterMember m) {
        return members.stream().filter(x -> x != m).toList();
    }

    /**
     * Keep the temporary directory after {@link #close()} (set when a test failed, for post-mortem; also kept for
     * every run with {@code -Dpgha.it.keep=true}).
     */
    public void keepFiles() {
        keepFiles = true;
    }

    // ---------------------------------------------------------------- reading the cluster

    /** Starts every steady member's agent, a little apart (they race for the initialize key either way). */
    public void startAll() {
        for (ClusterMember m : members) {
            m.start();
        }
    }

    /** {@code GET /cluster} from the first member (of {@code askable}) that answers; frozen agents are skipped. */
    public Optional<Map<String, Object>> clusterView(Collection<ClusterMember> askable) {
        for (ClusterMember m : askable) {
            if (!m.agentAlive() || m.isFrozen()) {
                continue;
            }
            Optional<Map<String, Object>> v = m.cluster();
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    public Optional<Map<String, Object>> clusterView() {
        return clusterView(members);
    }

    /** The {@code members} entries of a {@code /cluster} answer, by name. */
    @SuppressWarnings("unchecked")
    public static Map<String, Map<String, Object>> entries(Map<String, Object> view) {
        Object ms = view.get("members");
        if (!(ms instanceof List<?> list)) {
            return Map.of();
        }
        return list.stream().filter(Map.class::isInstance).map(o -> (Map<String, Object>) o)
                .collect(Collectors.toMap(e -> String.valueOf(e.get("name")), e -> e, (a, b) -> a,
                        java.util.TreeMap::new));
    }

    /** The lock holder according to {@code /cluster} (the entry with role {@code leader}). */
    public static Optional<String> leaderName(Map<String, Object> view) {
        return entries(view).values().stream().filter(e -> "leader".equals(e.get("role")))
                .map(e -> String.valueOf(e.get("name"))).findFirst();
    }

    /** A compact rendering of a view, for messages: {@code n1=leader/running n2=replica/streaming}. */
    public static String summary(Optional<Map<String, Object>> view) {
        return view.map(v -> entries(v).values().stream()
                .map(e -> e.get("name") + "=" + e.get("role") + "/" + e.get("state")
                        + (e.get("timeline") != null ? "/tl" + e.get("timeline") : ""))
                .collect(Collectors.joining(" "))).orElse("(no member answered GET /cluster)");
    }

    /**
     * Whether {@code group} is healthy in {@code view}: exactly one of them holds the lock and runs, its agent
     * answers {@code /patroni} as primary, and every other one is a replica in state {@code streaming}.
     */
    public Optional<ClusterMember> healthyLeader(Collection<ClusterMember> group, Map<String, Object> view) {
        Map<String, Map<String, Object>> e = entries(view);
        ClusterMember leader = null;
        for (ClusterMember m : group) {
            Map<String, Object> entry = e.get(m.name());
            if (entry == null) {
                return Optional.empty();
            }
            String role = String.valueOf(entry.get("role"));
            String state = String.valueOf(entry.get("state"));
            if (role.equals("leader")) {
                if (leader != null || !state.equals("running")) {
                    return Optional.empty();
                }
                leader = m;
            } else if (!state.equals("streaming") || !(role.equals("replica") || role.endsWith("_standby"))) {
                return Optional.empty();
            }
        }
        if (leader == null || leader.isFrozen() || !leader.role().filter("primary"::equals).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(leader);
    }

    /** Waits until the steady members are healthy (see {@link #healthyLeader}) and returns the leader. */
    public ClusterMember awaitHealthy(Duration timeout) {
        return awaitHealthy(members, timeout);
    }

    public ClusterMember awaitHealthy(Collection<ClusterMember> group, Duration timeout) {
        return Waits.await("one leader running and all other members of " + group + " streaming", timeout,
                () -> clusterView(group).flatMap(v -> healthyLeader(group, v)),
                () -> summary(clusterView(group)));
    }

    /**
     * Waits until a member other than {@code old} holds the lock (per {@code /cluster} of the members still
     * answering) and runs as primary per its own {@code /patroni}; returns it.
     */
    public ClusterMember awaitNewPrimary(ClusterMember old, Duration timeout) {
        List<ClusterMember> candidates = others(old);
        return Waits.await("a member other than " + old + " holds the lock and runs as primary", timeout,
                () -> clusterView(candidates).flatMap(TestCluster::leaderName)
                        .filter(n -> !n.equals(old.name())).map(this::member)
                        .filter(m -> m.role().filter("primary"::equals).isPresent()),
                () -> summary(clusterView(candidates)));
    }

    /** Waits until a member other than {@code old} holds the lock per {@code /cluster}; returns it. */
    public ClusterMember awaitLockMovedFrom(ClusterMember old, Duration timeout) {
        List<ClusterMember> candidates = others(old);
        return Waits.await("a member other than " + old + " holds the lock", timeout,
                () -> clusterView(candidates).flatMap(TestCluster::leaderName)
                        .filter(n -> !n.equals(old.name())).map(this::member),
                () -> summary(clusterView(candidates)));
    }

    /** Waits until {@code m} is listed as a streaming replica of the current leader. */
    public void awaitStreaming(ClusterMember m, Duration timeout) {
        Waits.awaitTrue(m + " is a replica in state streaming", timeout,
                () -> clusterView().map(v -> entries(v).get(m.name()))
                        .filter(e -> "streaming".equals(e.get("state")) && !"leader".equals(e.get("role")))
                        .isPresent(),
                () -> summary(clusterView()));
    }

    // ---------------------------------------------------------------- diagnostics and clean-up

    /** Everything a failed scenario needs to be understood from a CI log. */
    public String diagnostics() {
        StringBuilder sb = new StringBuilder();
        sb.append("==== it: diagnostics for cluster ").append(scope).append(" on ").append(dcs).append(" (files in ")
                .append(base).append(")\n");
        sb.append("cluster view: ").append(summary(clusterView())).append('\n');
        for (ClusterMember m : Stream.concat(members.stream(), extras.stream()).toList()) {
            sb.append("---- ").append(m.describe()).append('\n');
            sb.append("---- ").append(m.name()).append(" agent log (").append(m.agentLog()).append("), last lines:\n")
                    .append(m.agentLogTail(80)).append('\n');
            sb.append("---- ").append(m.name()).append(" PostgreSQL log (").append(m.postgresLog())
                    .append("), last lines:\n").append(m.postgresLogTail(25)).append('\n');
        }
        sb.append("---- ").append(dcs.name()).append(" log, last lines:\n").append(dcs.logTail(15)).append('\n');
        sb.append("==== it: end of diagnostics\n");
        return sb.toString();
    }

    /**
     * Stops every agent (SIGTERM, SIGKILL after 30 s), then every postmaster still running on one of this
     * cluster's data directories (SIGQUIT, then SIGKILL), and deletes the files unless {@link #keepFiles()}.
     */
    @Override
    public void close() {
        List<ClusterMember> all = Stream.concat(members.stream(), extras.stream()).toList();
        for (ClusterMember m : all) {
            try {
                m.sigterm();
            } catch (RuntimeException e) {
                System.out.println("it: SIGTERM to " + m + " failed: " + e);
            }
        }
        for (ClusterMember m : all) {
            if (!m.awaitAgentExit(Duration.ofSeconds(30))) {
                System.out.println("it: " + m + "'s agent ignored SIGTERM for 30 s; killing it");
                m.killAgent();
                m.awaitAgentExit(Duration.ofSeconds(10));
            }
        }
        stopLeftoverPostmasters(all);
        try {
            Runtime.getRuntime().removeShutdownHook(emergencyStop);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down
        }
        if (keepFiles || Boolean.getBoolean("pgha.it.keep")) {
            System.out.println("it: kept the cluster's files for inspection in " + base);
        } else {
            TempDirectories.deleteTree(base);
        }
    }

    private static void stopLeftoverPostmasters(List<ClusterMember> all) {
        for (ClusterMember m : all) {
            Optional<Long> pm = m.postmasterPid();
            if (pm.isEmpty()) {
                continue;
            }
            System.out.println("it: postmaster " + pm.get() + " still runs on " + m.dataDir() + "; stopping it");
            Procs.signal(pm.get(), Procs.Sig.QUIT);
            if (!Procs.awaitDeath(pm.get(), Duration.ofSeconds(10))) {
                Procs.signal(pm.get(), Procs.Sig.KILL);
                Procs.awaitDeath(pm.get(), Duration.ofSeconds(5));
            }
        }
    }

    private void killEverything() {
        List<ClusterMember> all = Stream.concat(members.stream(), extras.stream()).toList();
        for (ClusterMember m : all) {
            try {
                if (m.agentAlive()) {
                    m.killAgent();
                }
                m.postmasterPid().ifPresent(pid -> Procs.signal(pid, Procs.Sig.KILL));
            } catch (RuntimeException e) {
                // best effort while the JVM goes down
            }
        }
    }

    @Override
    public String toString() {
        return "TestCluster[" + scope + " on " + dcs + ", " + members + "]";
    }
}
