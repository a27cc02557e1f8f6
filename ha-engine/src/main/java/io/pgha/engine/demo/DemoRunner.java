package io.pgha.engine.demo;

import io.pgha.engine.config.ConfigLoader;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.engine.postgres.DatabaseUser;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.DcsUnavailableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs a demo cluster: checks everything that can be checked before any member starts (so that a failure never
 * leaves a half-started cluster), starts one agent per member, waits until the leader runs and every replica
 * streams, prints the cluster, then keeps the members running until {@link #stop()} (SIGINT/SIGTERM).
 */
public final class DemoRunner {
    private static final Duration MEMBER_STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POSTMASTER_STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    private static final int LOG_TAIL_LINES = 25;

    private final DemoOptions options;
    private final DemoPaths paths;
    private final PrintWriter out;
    private final PrintWriter err;
    private final PortProbe ports;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final Object startLock = new Object();
    private final List<MemberProcess> started = new ArrayList<>();
    private boolean stopping;
    private final AtomicBoolean tornDown = new AtomicBoolean();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    private DemoLock lock;
    private boolean createdBase;
    private PluginRegistry plugins;
    private Map<String, MemberPorts> memberPorts = Map.of();
    private String namespace = "/service/";

    public DemoRunner(DemoOptions options, PrintWriter out, PrintWriter err) {
        this(options, out, err, PortProbe.system());
    }

    DemoRunner(DemoOptions options, PrintWriter out, PrintWriter err, PortProbe ports) {
        this.options = Objects.requireNonNull(options, "options is null");
        this.paths = new DemoPaths(options.baseDir());
        this.out = Objects.requireNonNull(out, "out is null");
        this.err = Objects.requireNonNull(err, "err is null");
        this.ports = Objects.requireNonNull(ports, "ports is null");
    }

    /**
     * Starts the cluster and blocks until it is stopped.
     *
     * @return 0 after a stop, 1 when the cluster did not come up (the members are stopped again)
     * @throws DemoException when something keeps the demo from starting; nothing was started then
     */
    public int run() throws InterruptedException {
        LauncherAndNames prepared;
        try {
            prepared = prepare();
        } catch (RuntimeException e) {
            // nothing started: nothing for the shutdown hook to stop, and --clean must not delete anything
            tornDown.set(true);
            if (createdBase) {
                // a failed first start leaves nothing behind; deleted while the lock is still ours
                try {
                    deleteTree(paths.base());
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            release();
            stopped.countDown();
            throw e;
        }
        try {
            for (String name : prepared.names()) {
                synchronized (startLock) {
                    if (stopping) {
                        break;
                    }
                    MemberPorts p = memberPorts.get(name);
                    println(out, "starting " + name + ": REST API " + DemoPaths.HOST + ":" + p.rest()
                            + ", PostgreSQL " + DemoPaths.HOST + ":" + p.postgres() + ", log " + paths.log(name));
                    started.add(prepared.launcher().start(name));
                }
            }
        } catch (RuntimeException e) {
            // never a half-started cluster
            tearDown(false);
            throw new DemoException(DemoException.START_FAILED, e.getMessage(), e);
        }
        Outcome outcome = awaitUp();
        if (outcome.stopRequested()) {
            // the shutdown hook is stopping the members; the JVM exits once it is done
            stopped.await(MEMBER_STOP_TIMEOUT.toSeconds() + 60, TimeUnit.SECONDS);
            return 0;
        }
        if (!outcome.up()) {
            reportFailure(outcome);
            tearDown(false);
            println(err, "pgha demo: not started; the data stays in " + paths.base() + " for inspection");
            return 1;
        }
        printUp(outcome.lastView().orElseThrow());
        stopRequested.await();
        stopped.await(MEMBER_STOP_TIMEOUT.toSeconds() + 60, TimeUnit.SECONDS);
        return 0;
    }

    /**
     * Stops every member this demo started (SIGTERM, then up to 60 s, then SIGKILL), deletes the base directory
     * with {@code --clean}, and releases the lock. Idempotent; meant for the shutdown hook.
     */
    public void stop() {
        stopRequested.countDown();
        if (!tearDown(options.clean())) {
            // someone else is tearing down: the JVM must not exit before that finished
            try {
                stopped.await(MEMBER_STOP_TIMEOUT.toSeconds() + 60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ preparing

    private record LauncherAndNames(AgentLauncher launcher, List<String> names) {
    }

    private LauncherAndNames prepare() {
        List<String> problems = options.problems();
        if (!problems.isEmpty()) {
            throw new DemoException(DemoException.INVALID, String.join("; ", problems));
        }
        Path base = paths.base();
        checkBaseDirectory(base);
        DatabaseUser dbUser = DatabaseUser.resolve(DatabaseUser.DEFAULT_NAME);
        if (dbUser.switchUser()) {
            checkTraversable(base, dbUser);
        }
        boolean newBase = !Files.exists(base, LinkOption.NOFOLLOW_LINKS);
        createDirectory(base);
        lock = DemoLock.acquire(paths.lock());
        // only once the lock is ours: another demo racing for the same new directory may have won it
        createdBase = newBase;

        Optional<DemoState> previous = DemoState.read(paths.state());
        if (previous.isPresent()) {
            List<String> mismatches = previous.get().mismatches(options);
            if (!mismatches.isEmpty()) {
                throw new DemoException(DemoException.INVALID, base + " holds the demo cluster '"
                        + previous.get().scope() + "' (" + previous.get().members() + " members, "
                        + previous.get().dcs().optionValue() + "); run it with " + String.join(" ", mismatches)
                        + ", or use another --base-dir, or delete " + base + " to start a new cluster");
            }
        }
        refuseRunningAgents();
        memberPorts = new PortPlanner(ports).plan(options, previous.map(DemoState::ports).orElse(Map.of()),
                previous.map(DemoState::pgPortBase).orElse(-1));
        Optional<Path> pluginsDir = options.pluginsDir();
        plugins = PluginRegistry.load(pluginsDir);
        requirePlugins(pluginsDir);
        DemoSecrets secrets = DemoSecrets.loadOrCreate(paths.secrets());
        MemberConfigs configs = new MemberConfigs(options, memberPorts, secrets);
        List<String> names = options.memberNames();
        for (String name : names) {
            createDirectory(paths.member(name));
            PrivateFiles.write(paths.config(name), configs.yaml(name));
            validate(name);
        }
        if (options.dcs() == DemoDcs.ETCD) {
            checkEtcd(configs, names, previous.isPresent());
        }
        new DemoState(options.scope(), options.dcs(), options.members(), options.pgPortBase(), memberPorts)
                .write(paths.state());
        secrets.writePgpass(paths.pgpass(), memberPorts);
        println(out, "pgha demo: cluster '" + options.scope() + "' with " + names.size() + " member"
                + (names.size() == 1 ? "" : "s") + " in " + base + " (DCS: " + dcsDescription() + ")");
        return new LauncherAndNames(AgentLauncher.forThisJvm(paths, pluginsDir), names);
    }

    /** Refuses a directory that is neither new, empty, nor a demo's: --clean would delete it. */
    private static void checkBaseDirectory(Path base) {
        if (!Files.exists(base, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(base)) {
            throw new DemoException(DemoException.INVALID, "--base-dir " + base + " exists and is not a directory");
        }
        DemoPaths p = new DemoPaths(base);
        if (Files.exists(p.state()) || Files.exists(p.lock())) {
            return;
        }
        try (Stream<Path> entries = Files.list(base)) {
            if (entries.findAny().isPresent()) {
                throw new DemoException(DemoException.INVALID, "--base-dir " + base + " is not empty and holds no"
                        + " pgha demo: choose a new or empty directory");
            }
        } catch (IOException e) {
            throw new DemoException(DemoException.INVALID, "cannot read --base-dir " + base + ": " + e.getMessage(), e);
        }
    }

    private static void checkTraversable(Path base, DatabaseUser user) {
        Set<Integer> gids = groupsOf(user);
        List<String> blocked = Traversal.system().blocked(base, user.name(), user.uid(), gids);
        if (!blocked.isEmpty()) {
            throw new DemoException(DemoException.INVALID, "PostgreSQL runs as the OS user '" + user.name()
                    + "' (pgha runs as root), and it cannot reach --base-dir " + base + ": "
                    + String.join("; ", blocked) + ". Use a base directory it can reach (the default is "
                    + DemoOptions.DEFAULT_BASE_DIR + "), or allow it in (chmod o+x on each directory above)");
        }
    }

    private static Set<Integer> groupsOf(DatabaseUser user) {
        Set<Integer> gids = new HashSet<>();
        gids.add(user.gid());
        try {
            Process p = new ProcessBuilder("id", "-G", "--", user.name()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                for (String g : text.split("\\s+")) {
                    gids.add(Integer.parseInt(g));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the primary group is enough for the usual modes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return gids;
    }

    private static void createDirectory(Path dir) {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir);
            // whatever the umask: PostgreSQL (another OS user when we are root) must be able to enter it
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new DemoException(DemoException.INVALID, "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** An agent of an earlier run that still runs (the demo was killed) would clash with the new one. */
    private void refuseRunningAgents() {
        List<String> running = new ArrayList<>();
        for (String name : options.memberNames()) {
            Path pidFile = paths.pid(name);
            OptionalLong pid = readPid(pidFile);
            if (pid.isEmpty()) {
                continue;
            }
            if (runsAgent(pid.getAsLong(), paths.config(name))) {
                running.add(name + " (pid " + pid.getAsLong() + ")");
            } else {
                try {
                    Files.deleteIfExists(pidFile);
                } catch (IOException e) {
                    // rewritten at start
                }
            }
        }
        if (!running.isEmpty()) {
            String pids = running.stream().map(r -> r.replaceAll(".*pid (\\d+)\\)", "$1"))
                    .collect(Collectors.joining(" "));
            throw new DemoException(DemoException.INVALID, "agents of an earlier demo in " + paths.base()
                    + " still run: " + String.join(", ", running) + "; stop them first (kill " + pids + ")");
        }
    }

    static OptionalLong readPid(Path file) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static boolean runsAgent(long pid, Path config) {
        try {
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8);
            return cmdline.contains(config.toString());
        } catch (IOException e) {
            return false;
        }
    }

    private void requirePlugins(Optional<Path> pluginsDir) {
        List<String> missing = new ArrayList<>();
        if (plugins.find(PluginKind.DCS, options.dcs().section()).isEmpty()) {
            missing.add("the " + options.dcs().section() + " DCS (plugin "
                    + PluginKind.DCS.suggestedPlugin(options.dcs().section()) + ")");
        }
        if (plugins.find(PluginKind.BOOTSTRAP_METHOD, "initdb").isEmpty()) {
            missing.add("the initdb bootstrap method (plugin "
                    + PluginKind.BOOTSTRAP_METHOD.suggestedPlugin("initdb") + ")");
        }
        if (plugins.find(PluginKind.REPLICA_METHOD, "basebackup").isEmpty()) {
            missing.add("the basebackup replica method (plugin "
                    + PluginKind.REPLICA_METHOD.suggestedPlugin("basebackup") + ")");
        }
        if (!missing.isEmpty()) {
            throw new DemoException(DemoException.INVALID, "the members need " + String.join(", ", missing)
                    + ", which " + (missing.size() == 1 ? "is" : "are") + " not installed in "
                    + pluginsDir.map(Path::toString).orElse("the class path (no plugins directory: set PGHA_HOME"
                            + " or PGHA_PLUGINS_DIR, or use --plugins-dir)")
                    + "; 'pgha plugins' lists what is installed");
        }
    }

    /** Loads a written configuration as the agent will; an error here is a bug of the demo, said plainly. */
    private void validate(String name) {
        ConfigLoader loader = new ConfigLoader(Map.of(), new HashSet<>(plugins.names(PluginKind.DCS)))
                .withDcsValidator(dcs -> plugins.find(PluginKind.DCS, dcs.name())
                        .map(p -> p.call(provider -> provider.validate(dcs.section())))
                        .orElse(List.of()));
        try {
            LoadedConfig loaded = loader.load(Optional.of(paths.config(name)));
            namespace = loaded.config().namespace();
        } catch (InvalidConfigException e) {
            throw new DemoException(DemoException.INVALID, "the configuration written for " + name + " ("
                    + paths.config(name) + ") is refused: " + e.problems().stream().filter(ConfigProblem::isError)
                            .map(ConfigProblem::toString).collect(Collectors.joining("; ")), e);
        }
    }

    /**
     * etcd is the user's: it must answer, and must not already hold a cluster of this name that this directory has
     * no data for (its members would wait for ever for a leader that is gone).
     */
    private void checkEtcd(MemberConfigs configs, List<String> names, boolean hasState) {
        boolean anyData = names.stream().anyMatch(n -> Files.isDirectory(paths.dataDir(n)));
        @SuppressWarnings("unchecked")
        Map<String, Object> section = (Map<String, Object>) configs.tree(names.get(0)).get(DemoDcs.ETCD.section());
        Optional<String> initialized;
        try {
            initialized = DemoDcsAccess.withClient(plugins, DemoDcs.ETCD.section(), section, options.scope(),
                    namespace, paths.base().resolve("dcs-client"), c -> c.read().initialize());
        } catch (DcsUnavailableException e) {
            throw new DemoException(DemoException.INVALID, "etcd at " + String.join(",", options.etcdHosts())
                    + " does not answer (" + e.getMessage() + "): start it, or use the default embedded ZooKeeper"
                    + " (leave out --dcs)", e);
        }
        if (initialized.filter(v -> !v.isEmpty()).isPresent() && !anyData && !hasState) {
            throw new DemoException(DemoException.INVALID, "etcd at " + String.join(",", options.etcdHosts())
                    + " already holds a cluster named '" + options.scope() + "' (keys under " + namespace
                    + options.scope() + "/) that " + paths.base() + " has no data for: choose another --scope,"
                    + " or delete it (etcdctl del --prefix " + namespace + options.scope() + "/)");
        }
    }

    private String dcsDescription() {
        return options.dcs() == DemoDcs.ZOOKEEPER
                ? (options.members() == 1 ? "ZooKeeper embedded in the member"
                        : "ZooKeeper, one quorum peer embedded in each member")
                : "etcd at " + String.join(",", options.etcdHosts());
    }

    // ------------------------------------------------------------------------------------------------ waiting

    /**
     * How waiting for the cluster ended.
     *
     * @param up the leader runs and every replica streams
     * @param lastView the last cluster view seen (the one that is up, when up)
     * @param missing what was still missing
     * @param died which agent ended, when one did
     * @param stopRequested a stop was requested while waiting
     */
    private record Outcome(boolean up, Optional<ClusterView> lastView, List<String> missing, Optional<String> died,
            boolean stopRequested) {
    }

    private Outcome awaitUp() throws InterruptedException {
        long deadline = System.nanoTime() + options.startTimeout().toNanos();
        List<String> names = options.memberNames();
        List<String> lastMissing = List.of();
        Optional<ClusterView> lastView = Optional.empty();
        while (true) {
            if (stopRequested.getCount() == 0) {
                return new Outcome(false, lastView, lastMissing, Optional.empty(), true);
            }
            for (MemberProcess m : snapshot()) {
                if (!m.isAlive()) {
                    return new Outcome(false, lastView, lastMissing, Optional.of(m.name() + "'s agent (pid "
                            + m.pid() + ") exited with code " + m.exitCode().orElse(-1)), false);
                }
            }
            Optional<ClusterView> view = fetchView(names);
            List<String> missing = view.map(v -> v.missing(names)).orElse(List.of(
                    "no member's REST API answers GET /cluster yet"));
            if (view.isPresent()) {
                lastView = view;
                if (missing.isEmpty()) {
                    return new Outcome(true, view, List.of(), Optional.empty(), false);
                }
            }
            if (!missing.equals(lastMissing)) {
                println(out, "waiting for: " + String.join("; ", missing));
                lastMissing = missing;
            }
            if (System.nanoTime() - deadline > 0) {
                return new Outcome(false, lastView, lastMissing, Optional.empty(), false);
            }
            // the pause between polls doubles as the wait for a stop request
            stopRequested.await(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private List<MemberProcess> snapshot() {
        synchronized (startLock) {
            return List.copyOf(started);
        }
    }

    /** The first answer to {@code GET /cluster}, asking the members in order. */
    private Optional<ClusterView> fetchView(List<String> names) {
        for (String name : names) {
            MemberPorts p = memberPorts.get(name);
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://" + DemoPaths.HOST + ":" + p.rest() + "/cluster"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return Optional.of(ClusterView.parse(r.body()));
                }
            } catch (IOException | IllegalArgumentException e) {
                // not up yet: ask the next member
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private void reportFailure(Outcome o) {
        StringBuilder b = new StringBuilder();
        if (o.died().isPresent()) {
            b.append("pgha demo: the cluster did not come up: ").append(o.died().get()).append('\n');
        } else {
            b.append("pgha demo: the cluster did not come up within ").append(options.startTimeout().toSeconds())
                    .append(" s; still missing:\n");
        }
        for (String m : o.missing()) {
            b.append("  - ").append(m).append('\n');
        }
        o.lastView().ifPresent(v -> b.append("last view of the cluster:\n").append(v.table()));
        for (MemberProcess m : snapshot()) {
            b.append("---- last lines of ").append(paths.log(m.name())).append(" ----\n");
            for (String line : m.logTail(LOG_TAIL_LINES)) {
                b.append(line).append('\n');
            }
        }
        err.print(b);
        err.flush();
    }

    private void printUp(ClusterView view) {
        MemberPorts first = memberPorts.get(options.memberNames().get(0));
        String leaderPg = view.rows().stream().filter(ClusterView.Row::isLeader).map(ClusterView.Row::postgres)
                .findFirst().orElse(DemoPaths.HOST + ":" + first.postgres());
        int colon = leaderPg.lastIndexOf(':');
        StringBuilder b = new StringBuilder();
        b.append("Cluster: ").append(options.scope()).append(" (").append(dcsDescription()).append(")\n");
        b.append(view.table());
        b.append("Connect to the leader:  PGPASSFILE=").append(paths.pgpass()).append(" psql -h ")
                .append(leaderPg, 0, colon).append(" -p ").append(leaderPg.substring(colon + 1))
                .append(" -U ").append(DemoSecrets.SUPERUSER).append('\n');
        b.append("Cluster view:           curl -s http://").append(DemoPaths.HOST).append(':').append(first.rest())
                .append("/cluster\n");
        b.append("Member logs:            ").append(paths.base()).append("/pg<N>/agent.log\n");
        b.append("pgha demo: cluster '").append(options.scope()).append("' is up. Press Ctrl-C to stop it")
                .append(options.clean() ? " and delete " + paths.base() : " (its data stays in " + paths.base()
                        + " for the next run)").append(".\n");
        out.print(b);
        out.flush();
    }

    // ------------------------------------------------------------------------------------------------ stopping

    /** @return false when another thread already tears down */
    private boolean tearDown(boolean clean) {
        if (!tornDown.compareAndSet(false, true)) {
            return false;
        }
        try {
            List<MemberProcess> members;
            synchronized (startLock) {
                stopping = true;
                members = List.copyOf(started);
            }
            stopMembers(members);
            if (clean) {
                cleanUp();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            println(err, "pgha demo: error while stopping: " + e);
        } finally {
            release();
            stopped.countDown();
        }
        return true;
    }

    private void stopMembers(List<MemberProcess> members) throws InterruptedException {
        List<MemberProcess> alive = members.stream().filter(MemberProcess::isAlive).toList();
        if (!alive.isEmpty()) {
            println(out, "pgha demo: stopping " + alive.stream().map(m -> m.name() + " (pid " + m.pid() + ")")
                    .collect(Collectors.joining(", ")));
        }
        // all at once: members stopped one by one would each see the others go and react (fail over) in between
        alive.forEach(MemberProcess::requestStop);
        long deadline = System.nanoTime() + MEMBER_STOP_TIMEOUT.toNanos();
        for (MemberProcess m : alive) {
            m.awaitExit(deadline);
        }
        for (MemberProcess m : alive) {
            if (m.isAlive()) {
                println(err, "pgha demo: " + m.name() + " did not stop within " + MEMBER_STOP_TIMEOUT.toSeconds()
                        + " s; killing it");
                println(err, "pgha demo: " + m.kill(POSTMASTER_STOP_TIMEOUT));
            }
        }
        members.forEach(MemberProcess::forget);
        if (!alive.isEmpty()) {
            println(out, "pgha demo: all members stopped");
        }
    }

    private void cleanUp() {
        if (options.dcs() == DemoDcs.ETCD && plugins != null) {
            try {
                MemberConfigs configs = new MemberConfigs(options, memberPorts, new DemoSecrets("-", "-"));
                @SuppressWarnings("unchecked")
                Map<String, Object> section = (Map<String, Object>) configs.tree(options.memberNames().get(0))
                        .get(DemoDcs.ETCD.section());
                DemoDcsAccess.withClient(plugins, DemoDcs.ETCD.section(), section, options.scope(), namespace,
                        paths.base().resolve("dcs-client"), c -> {
                            c.deleteCluster();
                            return null;
                        });
            } catch (PghaException | UncheckedIOException e) {
                println(err, "pgha demo: could not delete the cluster's keys from etcd (" + e.getMessage()
                        + "); delete them with: etcdctl del --prefix " + namespace + options.scope() + "/");
            }
        }
        try {
            deleteTree(paths.base());
            println(out, "pgha demo: deleted " + paths.base());
        } catch (IOException e) {
            println(err, "pgha demo: could not delete " + paths.base() + ": " + e.getMessage());
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private synchronized void release() {
        if (lock != null) {
            lock.close();
            lock = null;
        }
        if (plugins != null) {
            plugins.close();
            plugins = null;
        }
    }

    private static void println(PrintWriter w, String line) {
        synchronized (w) {
            w.println(line);
            w.flush();
        }
    }
}
