package io.pgha.engine.agent;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.Stage;
import com.google.inject.name.Names;
import io.pgha.engine.Versions;
import io.pgha.engine.config.DynamicConfig;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.ha.Ha;
import io.pgha.engine.ha.HaLoop;
import io.pgha.engine.ha.HaPolicy;
import io.pgha.engine.ha.SyncPolicy;
import io.pgha.engine.ha.HttpPeerProbe;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.ha.TimingReport;
import io.pgha.engine.journal.DecisionJournal;
import io.pgha.engine.journal.EventKind;
import io.pgha.engine.metrics.AgentMetrics;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginModule;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.engine.rest.AgentCheckServer;
import io.pgha.engine.rest.RestApiServer;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.Member;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running member: the DCS client, the local PostgreSQL, the HA loop and the REST API, started in that order
 * and stopped in reverse. {@link #stop()} is what SIGTERM does: the HA loop finishes its cycle, PostgreSQL is shut
 * down cleanly, and a leader releases its lock afterwards so that a replica takes over at once.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final AtomicReference<LoadedConfig> loaded;
    /** Bumped by every reload of the configuration file, so that the HA loop reloads PostgreSQL. */
    private final java.util.concurrent.atomic.AtomicLong fileGeneration;
    private volatile java.util.function.Supplier<LoadedConfig> configSource;
    private final PghaConfig config;
    private final DcsClient dcs;
    private final PostgresDatabase database;
    private final LeaseGuard guard;
    private final HttpPeerProbe probe;
    private final Ha ha;
    private final HaLoop loop;
    private final RestApiServer rest;
    private final DcsClient.Subscription watch;
    private final DecisionJournal journal;
    private final AgentMetrics metrics;
    private final Optional<AgentCheckServer> agentCheck;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);

    private Agent(AtomicReference<LoadedConfig> loaded, java.util.concurrent.atomic.AtomicLong fileGeneration,
            DcsClient dcs, PostgresDatabase database, LeaseGuard guard, HttpPeerProbe probe,
            Ha ha, HaLoop loop, RestApiServer rest, DcsClient.Subscription watch, DecisionJournal journal,
            AgentMetrics metrics, Optional<AgentCheckServer> agentCheck) {
        this.loaded = loaded;
        this.fileGeneration = fileGeneration;
        this.config = loaded.get().config();
        this.dcs = dcs;
        this.database = database;
        this.guard = guard;
        this.probe = probe;
        this.ha = ha;
        this.loop = loop;
        this.rest = rest;
        this.watch = watch;
        this.journal = journal;
        this.metrics = metrics;
        this.agentCheck = agentCheck;
    }

    /**
     * Starts a member. Refuses (with an exception naming the problem, before touching PostgreSQL) an invalid DCS
     * section, an unknown plugin, or a member of the same name that already runs.
     *
     * <p>The parts are wired by Guice ({@link #modules}), one module per concern; the order in which they come to
     * life, and everything that has an effect (the DCS client opening, the supervisor, the servers, the loop), is
     * spelled out here: the injector's singletons are lazy, so each is built when this method first asks for it.
     */
    public static Agent start(LoadedConfig loaded, PluginRegistry plugins, Map<String, String> environment) {
        Injector injector = Guice.createInjector(Stage.DEVELOPMENT, modules(loaded, plugins, environment));
        PghaConfig config = loaded.config();

        LoadedProvider<DcsProvider> dcsProvider = instance(injector, new Key<LoadedProvider<DcsProvider>>() { });
        List<ConfigProblem> problems = new ArrayList<>();
        for (ConfigProblem p : dcsProvider.call(p -> p.validate(config.dcs().section()))) {
            problems.add(p.path().startsWith(config.dcs().name()) ? p : p.under(config.dcs().name()));
        }
        problems.addAll(io.pgha.engine.methods.MethodChecks.check(config, loaded.tree(), plugins));
        problems.stream().filter(p -> !p.isError()).forEach(p -> LOG.warn("config: {}", p));
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        for (ConfigProblem w : loaded.warnings()) {
            LOG.warn("config: {}", w);
        }
        Optional<InetSocketAddress> agentCheckAddress = agentCheckAddress(restSection(loaded));

        PostgresDatabase database = instance(injector, Key.get(PostgresDatabase.class));
        DcsClient dcs = instance(injector, Key.get(DcsClient.class));
        try {
            refuseDuplicateMember(config, dcs);
            database.adoptRunningPostmaster();

            // the fencing supervisor (when required) starts only now that PostgreSQL's state is known
            instance(injector, Key.get(io.pgha.engine.ha.ExternalFence.class));
            DecisionJournal journal = instance(injector, Key.get(DecisionJournal.class));
            LeaseGuard guard = instance(injector, Key.get(LeaseGuard.class));
            AgentMetrics metrics = instance(injector, Key.get(AgentMetrics.class));
            database.observeCallbacks(metrics::callbackRan);
            HttpPeerProbe probe = instance(injector, Key.get(HttpPeerProbe.class));
            Ha ha = instance(injector, Key.get(Ha.class));
            HaLoop loop = instance(injector, Key.get(HaLoop.class));
            RestBridge bridge = instance(injector, Key.get(RestBridge.class));
            RestApiServer rest = instance(injector, Key.get(RestApiServer.class));
            rest.start();
            Optional<AgentCheckServer> agentCheck = agentCheckAddress.map(a -> AgentCheckServer.start(a,
                    config.scope(), config.name(), bridge, bridge, Clock.systemUTC()));
            DcsClient.Subscription watch = dcs.watch(loop);
            journal.note(EventKind.AGENT, "agent started (pgha " + Versions.engine() + ", DCS " + config.dcs().name()
                    + ")");
            TimingReport timings = TimingReport.of(ha.policy(), config.dcs().name(), database.fenceWorstCase(),
                    dcs.grantedLeaseTtl());
            if (timings.warnings().isEmpty()) {
                LOG.info(timings.text());
            } else {
                LOG.warn(timings.text());
            }
            loop.start();
            LOG.info("pgha {} started member {} of cluster {} (DCS {}, REST API {}, PostgreSQL {})", Versions.engine(),
                    config.name(), config.scope(), config.dcs().name(), rest.address(),
                    config.postgresql().memberConnectAddress());
            Agent agent = new Agent(instance(injector, new Key<AtomicReference<LoadedConfig>>() { }),
                    instance(injector, Key.get(java.util.concurrent.atomic.AtomicLong.class,
                            Names.named(ConfigModule.FILE_GENERATION))),
                    dcs, database, guard, probe, ha, loop, rest, watch, journal, metrics, agentCheck);
            instance(injector, Key.get(Handle.class)).set(agent);
            return agent;
        } catch (RuntimeException e) {
            dcs.close();
            database.close();
            throw e;
        }
    }

    /** The engine's modules, one per concern; the plugins' providers come in through {@link PluginModule}. */
    static List<Module> modules(LoadedConfig loaded, PluginRegistry plugins, Map<String, String> environment) {
        return List.of(new ConfigModule(loaded, environment), new PluginModule(plugins), new DcsModule(),
                new PostgresModule(), new MetricsModule(), new HaModule(), new RestModule());
    }

    /**
     * {@code injector.getInstance(key)}, failing with what the provider threw (a config problem, an unknown plugin, a
     * DCS that refuses the section) rather than Guice's wrapper, so that start-up errors read as they always have.
     */
    private static <T> T instance(Injector injector, Key<T> key) {
        try {
            return injector.getInstance(key);
        } catch (ProvisionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The running agent, for the REST API's POST /reload, which exists before the agent does. */
    static final class Handle {
        private volatile Agent agent;

        void set(Agent started) {
            this.agent = started;
        }

        String reload() {
            Agent a = agent;
            return a == null ? "the agent is still starting" : a.reload();
        }
    }

    /** The HA policy in force: the DCS {@code config} key once it exists, else {@code bootstrap.dcs}. */
    static HaPolicy policy(PghaConfig config, ClusterState cluster, AtomicReference<DynamicConfig> current,
            long fileGeneration) {
        DynamicConfig dyn = cluster.config().map(c -> {
            List<ConfigProblem> problems = new ArrayList<>();
            DynamicConfig d = DynamicConfig.from(c.data(), problems);
            if (!current.get().raw().equals(d.raw())) {
                problems.forEach(p -> LOG.warn("dynamic configuration in the DCS: {}", p));
                d.timingAdjustment(config.fenced()).ifPresent(LOG::warn);
                for (ConfigProblem p : io.pgha.engine.config.NotActedOn.check("config", d)) {
                    if (p.isError()) {
                        LOG.error("dynamic configuration in the DCS: {}", p);
                    } else {
                        LOG.warn("dynamic configuration in the DCS: {}", p);
                    }
                }
            }
            return d;
        }).orElse(config.bootstrap().dcs());
        current.set(dyn);
        return new HaPolicy(dyn.adjustedTimings(config.fenced()), dyn.maximumLagOnFailover(),
                Duration.ofSeconds(dyn.primaryStartTimeout()), dyn.postgresql().useSlots(),
                dyn.usePgRewind(config.postgresql()), config.postgresql().removeDataDirectoryOnRewindFailure(),
                config.postgresql().removeDataDirectoryOnDivergedTimelines(), config.bootstrap().dcs().raw(),
                dyn.pause(), List.of(dyn.postgresql(), fileGeneration),
                new SyncPolicy(dyn.synchronousMode() != DynamicConfig.SynchronousMode.OFF, dyn.synchronousModeStrict(),
                        dyn.synchronousNodeCount(), dyn.maximumLagOnSyncnode(),
                        Duration.ofSeconds(Math.max(0, dyn.primaryStopTimeout())),
                        dyn.synchronousMode() == DynamicConfig.SynchronousMode.QUORUM),
                dyn.failsafeMode(), remotePrimary(dyn), slotPolicy(dyn),
                dyn.checkTimeline(), dyn.maxTimelinesHistory());
    }

    /** Permanent physical slots, ignore_slots patterns as they apply to physical slots, member_slots_ttl. */
    static io.pgha.engine.ha.SlotPolicy slotPolicy(DynamicConfig dyn) {
        java.util.Set<String> permanent = new java.util.TreeSet<>();
        Map<String, io.pgha.engine.ha.SlotPolicy.Logical> logical = new java.util.TreeMap<>();
        dyn.slots().forEach((name, slot) -> {
            if (!slot.logical()) {
                permanent.add(name);
            } else if (slot.database().isPresent() && slot.plugin().isPresent()) {
                logical.put(name, new io.pgha.engine.ha.SlotPolicy.Logical(slot.database().get(), slot.plugin().get()));
            }
        });
        List<DynamicConfig.IgnoreSlot> ignore = List.copyOf(dyn.ignoreSlots());
        java.util.function.Predicate<String> ignored = name -> ignore.stream().anyMatch(p -> p.matchesPhysical(name));
        return new io.pgha.engine.ha.SlotPolicy(permanent, ignored, dyn.memberSlotsTtl(), logical);
    }

    /** The remote primary a standby cluster follows, from {@code standby_cluster}. */
    static Optional<io.pgha.engine.ha.Upstream> remotePrimary(DynamicConfig dyn) {
        return dyn.standbyCluster().filter(sc -> sc.host().isPresent() || sc.restoreCommand().isPresent()).map(sc -> {
            Map<String, String> recovery = new LinkedHashMap<>();
            sc.restoreCommand().ifPresent(v -> recovery.put("restore_command", v));
            sc.archiveCleanupCommand().ifPresent(v -> recovery.put("archive_cleanup_command", v));
            sc.recoveryMinApplyDelay().ifPresent(v -> recovery.put("recovery_min_apply_delay", v));
            return new io.pgha.engine.ha.Upstream(sc.host().isPresent() ? "remote primary" : "remote archive",
                    sc.host().orElse(""), sc.host().isPresent() ? sc.port().orElse(5432) : 0,
                    sc.host().isPresent() ? sc.primarySlotName() : Optional.empty(), recovery,
                    sc.createReplicaMethods());
        });
    }

    /** Applies the configuration's {@code log} section (at start-up; reloads apply it again). */
    public static void applyLogging(PghaConfig config) {
        LogSetup.apply(config.log());
    }

    /** Where reloads read the configuration from (the agent command's file, or the environment). */
    public void setConfigSource(java.util.function.Supplier<LoadedConfig> source) {
        this.configSource = source;
    }

    /**
     * Re-reads the configuration (SIGHUP, {@code POST /reload}) and applies what can change while running: the
     * {@code log} section, and PostgreSQL's parameters, pg_hba and pg_ident (the HA loop reloads PostgreSQL within a
     * cycle; parameters needing a restart then show as pending_restart). An invalid file changes nothing. Keys that
     * only take effect at start-up are named.
     *
     * @return what was done, one line
     */
    public String reload() {
        java.util.function.Supplier<LoadedConfig> source = configSource;
        if (source == null) {
            return "no configuration source to reload from";
        }
        LoadedConfig next;
        try {
            next = source.get();
        } catch (io.pgha.spi.InvalidConfigException e) {
            e.problems().stream().filter(ConfigProblem::isError)
                    .forEach(p -> LOG.error("reload: {}", p));
            LOG.error("reload: the configuration is invalid; nothing was changed");
            return "the configuration is invalid; nothing was changed";
        }
        next.warnings().forEach(w -> LOG.warn("config: {}", w));
        for (String changed : ReloadDiff.restartOnly(loaded.get().config(), next.config())) {
            LOG.warn("reload: {} changed in the configuration, but takes effect only when the agent restarts", changed);
        }
        LogSetup.apply(next.config().log());
        database.reconfigure(next.config(), next.tree());
        loaded.set(next);
        fileGeneration.incrementAndGet();
        loop.wakeUp();
        LOG.info("reloaded the configuration");
        return "reloaded the configuration";
    }

    /** Where plugins keep state across restarts: {@code PGHA_STATE_DIR}, else beside the data directory. */
    static Path stateRoot(PghaConfig config, Map<String, String> environment) {
        String fromEnv = environment.get("PGHA_STATE_DIR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv).toAbsolutePath();
        }
        Path data = Path.of(config.postgresql().dataDir()).toAbsolutePath();
        Path parent = data.getParent() == null ? data : data.getParent();
        return parent.resolve("pgha-state");
    }

    static io.pgha.spi.ConfigSection restSection(LoadedConfig loaded) {
        Object r = loaded.tree().get("restapi");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = r instanceof Map ? (Map<String, Object>) r : Map.of();
        return new io.pgha.spi.ConfigSection("restapi", m);
    }

    /** {@code restapi.agent_check_listen: host:port}, pgha's HAProxy agent-check port; empty when not set. */
    static Optional<InetSocketAddress> agentCheckAddress(io.pgha.spi.ConfigSection restapi) {
        Object v = restapi.asMap().get("agent_check_listen");
        if (v == null) {
            return Optional.empty();
        }
        String text = String.valueOf(v).strip();
        int colon = text.lastIndexOf(':');
        String path = "restapi.agent_check_listen";
        if (colon <= 0 || colon == text.length() - 1) {
            throw new InvalidConfigException(List.of(ConfigProblem.error(path, "got '" + text
                    + "': expected host:port, e.g. 127.0.0.1:5555")));
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException("out of range");
            }
            String host = text.substring(0, colon).replaceAll("^\\[|]$", "");
            return Optional.of(new InetSocketAddress(host.equals("*") ? "0.0.0.0" : host, port));
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(List.of(ConfigProblem.error(path, "got '" + text
                    + "': the port must be a number from 1 to 65535")));
        }
    }

    static Optional<String> basicAuth(PghaConfig config) {
        return config.ctl().authentication().or(() -> config.restapi().authentication())
                .map(a -> "Basic " + Base64.getEncoder().encodeToString(
                        (a.username() + ":" + a.password().value()).getBytes(StandardCharsets.UTF_8)));
    }

    /** Patroni refuses to start a second member of the same name while the first answers on its API. */
    private static void refuseDuplicateMember(PghaConfig config, DcsClient dcs) {
        Optional<Member> existing;
        try {
            existing = dcs.read().member(config.name());
        } catch (DcsUnavailableException e) {
            LOG.warn("DCS not accessible at start-up ({}); continuing, the HA loop will retry", e.getMessage());
            return;
        }
        Optional<String> api = existing.flatMap(m -> m.data().apiUrl());
        if (api.isEmpty() || api.get().equals(config.restapi().apiUrl())) {
            return;
        }
        try {
            URI liveness = URI.create(api.get().replaceFirst("/patroni$", "") + "/liveness");
            HttpResponse<Void> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
                    .send(HttpRequest.newBuilder(liveness).timeout(Duration.ofSeconds(2)).GET().build(),
                            HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() == 200) {
                throw new PghaException("DUPLICATE_MEMBER",
                        "Can't start; there is already a node named '" + config.name() + "' running (" + api.get() + ")");
            }
        } catch (PghaException e) {
            throw e;
        } catch (Exception e) {
            // not answering: the old member is gone
        }
    }

    /** The HA state, for tests. */
    public Ha ha() {
        return ha;
    }

    /** The REST API's bound port. */
    public int restPort() {
        return rest.port();
    }

    /** Blocks until {@link #stop()} completed. */
    public void awaitStopped() throws InterruptedException {
        done.await();
    }

    /** Stops the member gracefully; idempotent. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        LOG.info("shutting down member {}", config.name());
        try {
            loop.stop(Duration.ofSeconds(60));
            String outcome = ha.shutdown();
            LOG.info(outcome);
            journal.note(EventKind.AGENT, "agent stopping: " + outcome);
            if (guard.state() != LeaseGuard.State.ARMED && guard.external() instanceof FencingSupervisor f) {
                // nothing left to guard: PostgreSQL stopped cleanly, or the cluster is paused for maintenance
                f.close();
            }
        } catch (RuntimeException e) {
            LOG.error("error while shutting down: {}", e.getMessage(), e);
        } finally {
            watch.close();
            agentCheck.ifPresent(AgentCheckServer::close);
            rest.stop();
            guard.close();
            metrics.close();
            probe.close();
            dcs.close();
            database.close();
            done.countDown();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
