package io.pgha.engine.agent;

import io.pgha.engine.config.CommandOption;
import io.pgha.engine.config.DynamicConfig;
import io.pgha.engine.config.HostPort;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.config.PgUser;
import io.pgha.engine.config.PostgresParameters;
import io.pgha.engine.config.Secret;
import io.pgha.engine.ha.DataDirectoryState;
import io.pgha.engine.ha.Database;
import io.pgha.engine.ha.DatabaseException;
import io.pgha.engine.ha.PgObservation;
import io.pgha.engine.ha.PgProcessState;
import io.pgha.engine.ha.PgRole;
import io.pgha.engine.ha.StopMode;
import io.pgha.engine.ha.Upstream;
import io.pgha.engine.callbacks.LifecycleConfig;
import io.pgha.engine.callbacks.LifecycleEvents;
import io.pgha.engine.callbacks.ScriptRunner;
import io.pgha.engine.ha.PromotionVetoed;
import io.pgha.engine.methods.BootstrapMethodCatalog;
import io.pgha.engine.methods.ReplicaMethodCatalog;
import io.pgha.engine.methods.RetrySchedule;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.engine.postgres.ClusterBootstrap;
import io.pgha.engine.postgres.ControlData;
import io.pgha.engine.postgres.Credentials;
import io.pgha.engine.postgres.DatabaseCommandRunner;
import io.pgha.engine.postgres.DatabaseUser;
import io.pgha.engine.postgres.InstanceObservation;
import io.pgha.engine.postgres.Lsn;
import io.pgha.engine.postgres.PostgresBinaries;
import io.pgha.engine.postgres.PostgresException;
import io.pgha.engine.postgres.PostgresInstance;
import io.pgha.engine.postgres.PostgresSettings;
import io.pgha.engine.postgres.ProcessState;
import io.pgha.engine.postgres.ReplicaCreation;
import io.pgha.engine.postgres.ReplicationSource;
import io.pgha.engine.postgres.Rewinder;
import io.pgha.engine.postgres.ServerConfig;
import io.pgha.engine.postgres.ServerRole;
import io.pgha.engine.postgres.ServerStatus;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.bootstrap.BootstrapResult;
import io.pgha.spi.callback.LifecycleEvent;
import io.pgha.spi.replica.ReplicaMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HA loop's {@link Database}, on the local PostgreSQL ({@link PostgresInstance}) and the configured bootstrap
 * and replica-method plugins. Translates the layer's exceptions into {@link DatabaseException}s with one line each.
 */
final class PostgresDatabase implements Database, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresDatabase.class);
    private static final Duration REWIND_TIMEOUT = Duration.ofMinutes(10);

    /** Replaced on a reload of the configuration file: what PostgreSQL's files are written from. */
    private volatile PghaConfig config;
    private volatile Map<String, Object> tree;
    private final Supplier<DynamicConfig> dynamic;
    private final PluginRegistry plugins;
    private final DatabaseCommandRunner runner;
    private final PostgresInstance pg;
    /** Runs checkpoints and shutdowns while the HA loop's thread keeps the leader lock alive. */
    private final java.util.concurrent.ExecutorService longOperations =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "postgres-long-operation");
                t.setDaemon(true);
                return t;
            });
    private final EngineContext pluginContext;
    private final ReplicaCreation replicaCreation;
    private final RetrySchedule replicaRetry = RetrySchedule.standard();
    private final LifecycleEvents events;
    /** The lifecycle event the next observation of a running server completes (a start we asked for). */
    private final java.util.concurrent.atomic.AtomicReference<PendingStart> pendingStart =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** The role PostgreSQL last ran with under this agent ({@code primary}, {@code replica}); null: not known yet. */
    private volatile String lastRole;
    private volatile boolean restarting;
    private volatile Optional<Upstream> following = Optional.empty();
    /** synchronous_standby_names as the HA loop manages it; empty leaves the parameter to the configuration. */
    private volatile Optional<String> managedSyncNames = Optional.empty();

    /** What a start we asked for becomes once PostgreSQL runs. */
    private record PendingStart(LifecycleEvent event, Optional<String> oldRole, Optional<String> newRole) {
    }

    private PostgresDatabase(PghaConfig config, Map<String, Object> tree, Supplier<DynamicConfig> dynamic,
            PluginRegistry plugins, DatabaseCommandRunner runner, PostgresInstance pg, EngineContext pluginContext,
            LifecycleEvents events) {
        this.config = config;
        this.tree = tree;
        this.dynamic = dynamic;
        this.plugins = plugins;
        this.runner = runner;
        this.pg = pg;
        this.pluginContext = pluginContext;
        this.events = events;
        this.replicaCreation = new ReplicaCreation(pg, pluginContext.stateRoot().resolve("replica-build-unfinished"));
    }

    static PostgresDatabase create(PghaConfig config, Map<String, Object> tree, Supplier<DynamicConfig> dynamic,
            PluginRegistry plugins, Path stateRoot, Map<String, String> environment) {
        DatabaseUser user = DatabaseUser.resolve(environment.getOrDefault("PGHA_POSTGRES_USER", DatabaseUser.DEFAULT_NAME));
        DatabaseCommandRunner runner = new DatabaseCommandRunner(user);
        PostgresBinaries binaries = PostgresBinaries.locate(config.postgresql().binDir().map(Path::of),
                config.postgresql().binName());
        HostPort listen = config.postgresql().listen();
        PgUser superuser = config.postgresql().authentication().superuser();
        PgUser replication = config.postgresql().authentication().replication().orElse(superuser);
        PostgresSettings.Builder b = PostgresSettings.builder(Path.of(config.postgresql().dataDir()), binaries)
                .listen(String.join(",", listen.hosts()), listen.port())
                .names(config.scope(), config.name())
                .superuser(credentials(superuser))
                .replication(credentials(replication))
                .pgpassFile(config.postgresql().pgpass().map(Path::of).orElse(stateRoot.resolve("pgpass")))
                .postmasterLog(stateRoot.resolve("postgresql.log"));
        config.postgresql().authentication().rewind().ifPresent(r -> b.rewind(credentials(r)));
        config.postgresql().customConf().ifPresent(c -> b.customConf(Path.of(c)));
        try {
            java.nio.file.Files.createDirectories(stateRoot);
        } catch (java.io.IOException e) {
            throw new DatabaseException("cannot create the agent's state directory " + stateRoot + ": " + e.getMessage(), e);
        }
        PostgresInstance pg = new PostgresInstance(b.build(), runner);
        EngineContext ctx = new EngineContext(config.name(), config.scope(), config.namespace(), stateRoot, "postgres",
                runner, config.bootstrap().dcs().adjustedTimings(config.fenced()));
        return new PostgresDatabase(config, tree, dynamic, plugins, runner, pg, ctx, lifecycleEvents(config, tree,
                plugins, user, ctx));
    }

    /** The member's callbacks, hooks and lifecycle listener plugins. */
    private static LifecycleEvents lifecycleEvents(PghaConfig config, Map<String, Object> tree, PluginRegistry plugins,
            DatabaseUser user, EngineContext ctx) {
        LifecycleConfig lifecycle = LifecycleConfig.read(tree, new ArrayList<>());
        List<LifecycleEvents.NamedListener> listeners = new ArrayList<>();
        for (String name : lifecycle.listeners()) {
            LoadedProvider<io.pgha.spi.callback.LifecycleListenerProvider> provider = plugins.lifecycleListener(name);
            listeners.add(new LifecycleEvents.NamedListener(name, provider.contextual(
                    io.pgha.spi.callback.LifecycleListener.class,
                    provider.call(p -> p.create(lifecycle.section(name), ctx.forPlugin(provider.pluginName()))))));
        }
        LifecycleEvents.Settings settings = new LifecycleEvents.Settings(config.scope(), config.name(),
                io.pgha.engine.Versions.PATRONI_COMPATIBLE,
                LifecycleEvents.Settings.callbacksOf(config.postgresql().callbacks()), config.postgresql().prePromote(),
                config.postgresql().beforeStop(), lifecycle.callbackTimeout());
        return new LifecycleEvents(settings, listeners, new ScriptRunner(user), java.time.Clock.systemUTC());
    }

    private static Credentials credentials(PgUser u) {
        Map<String, String> options = new LinkedHashMap<>(u.options());
        u.sslpassword().ifPresent(p -> options.put("sslpassword", p.value()));
        return new Credentials(u.username(), u.password().map(Secret::value), options);
    }

    /**
     * Takes a reloaded configuration file: the next configuration write (a reload, start or follow) uses its
     * {@code postgresql} section. What the server was set up with (data directory, binaries, credentials) stays until
     * the agent restarts.
     */
    void reconfigure(PghaConfig next, Map<String, Object> nextTree) {
        this.config = next;
        this.tree = nextTree;
    }

    /** Tells {@code observer} how each callback script and hook ran (the agent's metrics count them). */
    void observeCallbacks(io.pgha.engine.callbacks.CallbackObserver observer) {
        events.subscribe(observer);
    }

    DatabaseCommandRunner commands() {
        return runner;
    }

    void adoptRunningPostmaster() {
        pg.adoptRunning().ifPresent(p -> pendingStart.set(new PendingStart(LifecycleEvent.ON_START, Optional.empty(),
                Optional.empty())));
        pg.adoptRunning().ifPresent(p -> LOG.info("found PostgreSQL already running on {} (pid {}); taking charge of it",
                config.postgresql().dataDir(), p.pid()));
    }

    // ---------------------------------------------------------------- observing

    @Override
    public PgObservation observe() {
        InstanceObservation o = pg.observe();
        PgProcessState process = switch (o.process()) {
            case STOPPED -> PgProcessState.STOPPED;
            case STARTING -> PgProcessState.STARTING;
            case RUNNING -> PgProcessState.RUNNING;
            case STOPPING -> PgProcessState.STOPPING;
            case CRASHED -> PgProcessState.CRASHED;
            case START_FAILED -> PgProcessState.START_FAILED;
        };
        if (process == PgProcessState.START_FAILED || process == PgProcessState.CRASHED) {
            pendingStart.set(null);
        }
        if (o.status().isEmpty()) {
            Optional<String> sysid = Optional.empty();
            if (process != PgProcessState.RUNNING && pg.dataDirectory().isInitialized()) {
                sysid = systemIdentifierFromControlData();
            }
            return new PgObservation(process, PgRole.UNKNOWN, 0, 0, 0, 0, Optional.empty(), false, false, 0,
                    Optional.empty(), Map.of(), List.of(), sysid);
        }
        ServerStatus s = o.status().get();
        if (process == PgProcessState.RUNNING) {
            completeStart(s.inRecovery() ? "replica" : "primary");
        }
        Map<String, PgObservation.PendingChange> pending = new LinkedHashMap<>();
        o.pendingRestart().forEach((k, v) -> pending.put(k, new PgObservation.PendingChange(v.oldValue(), v.newValue())));
        List<Map<String, Object>> replication = new ArrayList<>();
        o.replication().forEach(r -> replication.add(r.toPatroniMap()));
        return new PgObservation(process, s.inRecovery() ? PgRole.REPLICA : PgRole.PRIMARY, s.timeline(),
                s.walPosition().value(), s.receiveLsn().map(Lsn::value).orElse(0L),
                s.replayLsn().map(Lsn::value).orElse(0L), s.replayTimestamp(), s.replayPaused(), s.streaming(),
                s.serverVersion(), Optional.of(s.postmasterStartTime()), pending, replication,
                Optional.of(s.systemIdentifier()).filter(x -> !x.isEmpty()));
    }

    private Optional<String> systemIdentifierFromControlData() {
        try {
            return Optional.of(pg.controlData().systemIdentifier());
        } catch (PostgresException e) {
            return Optional.empty();
        }
    }

    @Override
    public DataDirectoryState inspectDataDirectory() {
        try {
            if (pg.dataDirectory().isEmpty()) {
                return DataDirectoryState.empty();
            }
            if (replicaCreation.unfinished()) {
                // half a copy is no database: build the replica again
                return DataDirectoryState.empty();
            }
            if (!pg.dataDirectory().isInitialized()) {
                return DataDirectoryState.unusable(pg.dataDirectory() + " is not empty but holds no database cluster");
            }
            ControlData c = pg.controlData();
            return new DataDirectoryState(DataDirectoryState.Kind.INITIALIZED, c.systemIdentifier(), c.timeline(),
                    c.state().text(), c.checkpointLsn().value(), "");
        } catch (RuntimeException e) {
            return DataDirectoryState.unusable(e.getMessage());
        }
    }

    // ---------------------------------------------------------------- creating

    @Override
    public void bootstrap() {
        if (replicaCreation.unfinished()) {
            pg.dataDirectory().wipe();
            replicaCreation.clearUnfinished();
        }
        String methodName = config.bootstrap().method();
        BootstrapMethodCatalog.Choice choice = new BootstrapMethodCatalog(plugins).choose(config.bootstrap(), tree);
        LoadedProvider<BootstrapMethodProvider> provider = choice.provider();
        BootstrapMethod method = provider.contextual(BootstrapMethod.class,
                provider.call(p -> p.create(choice.options(), pluginContext.forPlugin(provider.pluginName()))));
        Duration timeout = Duration.ofMinutes(30);
        ClusterBootstrap bootstrap = new ClusterBootstrap(pg);
        boolean custom = config.bootstrap().isCustomMethod();
        try (method) {
            boolean customHba = config.postgresql().pgHba().isPresent();
            if (custom) {
                LOG.info("running custom bootstrap script of method {} (plugin {})", methodName,
                        provider.pluginName());
            }
            BootstrapResult result = bootstrap.bootstrap(method, customHba ? List.of()
                    : config.bootstrap().pgHba().orElse(List.of()), timeout);
            if (result instanceof BootstrapResult.Failed f) {
                throw new DatabaseException((custom ? "custom bootstrap method " : "bootstrap method ") + methodName
                        + " failed: " + f.reason());
            }
            ServerRole role = bootstrap.prepareStart((BootstrapResult.Created) result);
            boolean recovers = role instanceof ServerRole.ArchiveRecovery;
            if (custom) {
                LOG.info("starting after custom bootstrap{}", recovers ? " (archive recovery)" : "");
            }
            // an archive recovery accepts connections only once it is consistent, which may take long
            ProcessState state = pg.startAndWait(role, serverConfig(), recovers ? timeout
                    : config.postgresql().pgCtlTimeout());
            if (state != ProcessState.RUNNING) {
                throw new DatabaseException("the new cluster did not start (" + state + ")" + logTail());
            }
            if (recovers) {
                LOG.info("waiting for end of recovery after bootstrap");
                bootstrap.awaitEndOfRecovery(timeout);
                // PostgreSQL removed recovery.signal when it promoted. The recovery settings stay in postgresql.conf
                // until the next start writes the primary's: rewriting them now would only mark the postmaster-only
                // recovery_target_* as pending a restart.
            }
            LOG.info("running post_bootstrap");
            bootstrap.postBootstrap(config.bootstrap().postBootstrap(), timeout);
            for (io.pgha.engine.config.BootstrapUser u : io.pgha.engine.config.BootstrapUser.fromTree(tree)) {
                pg.sql().createUser(u.name(), u.password().map(Secret::value), u.options());
                LOG.info("created role {} from bootstrap.users", u.name());
            }
            lastRole = "primary";
            events.started("primary");
        } catch (PostgresException e) {
            throw new DatabaseException(e.getMessage(), e);
        }
    }

    @Override
    public void createReplica(Optional<Upstream> source) {
        if (!replicaRetry.due()) {
            throw new DatabaseException(retryMessage());
        }
        // a standby cluster's remote primary may name its own methods (standby_cluster.create_replica_methods)
        List<String> names = source.map(Upstream::replicaMethods).filter(m -> !m.isEmpty())
                .orElseGet(() -> ReplicaMethodCatalog.listed(config.postgresql()));
        List<ReplicaCreation.Candidate> candidates = replicaCandidates(names);
        try {
            ReplicaCreation.Outcome outcome = replicaCreation.create(candidates,
                    source.filter(Upstream::streams).map(PostgresDatabase::source),
                    "replica", Duration.ofHours(2));
            if (!outcome.succeeded()) {
                Duration pause = replicaRetry.failed();
                LOG.error("could not create a replica with any of {}: {}; trying again in {} s", names,
                        outcome.describeFailures(), pause.toSeconds());
                throw new DatabaseException(retryMessage());
            }
            replicaRetry.succeeded();
            LOG.info("replica created with {}", outcome.succeededWith().orElse("?"));
        } catch (PostgresException e) {
            throw new DatabaseException(e.getMessage(), e);
        } finally {
            closeAll(candidates);
        }
    }

    @Override
    public boolean canCreateReplicaWithoutLeader() {
        if (!replicaRetry.due()) {
            return true;
        }
        List<ReplicaCreation.Candidate> candidates = replicaCandidates(ReplicaMethodCatalog.listed(config.postgresql()));
        try {
            return ReplicaCreation.anyRunsWithoutLeader(candidates);
        } finally {
            closeAll(candidates);
        }
    }

    private String retryMessage() {
        return "every replica method failed; trying again at " + java.time.format.DateTimeFormatter.ISO_LOCAL_TIME
                .format(replicaRetry.notBefore().atZone(java.time.ZoneId.systemDefault()).toLocalTime()
                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    /** The configured methods, created; a method nothing provides or that cannot be created is unavailable. */
    private List<ReplicaCreation.Candidate> replicaCandidates(List<String> names) {
        List<ReplicaCreation.Candidate> out = new ArrayList<>();
        for (ReplicaMethodCatalog.Entry e : new ReplicaMethodCatalog(plugins).resolve(names,
                m -> ReplicaMethodCatalog.section(config.postgresql(), tree, m))) {
            if (e instanceof ReplicaMethodCatalog.Unserved u) {
                out.add(new ReplicaCreation.Unavailable(u.method(), u.reason()));
                continue;
            }
            ReplicaMethodCatalog.Served s = (ReplicaMethodCatalog.Served) e;
            try {
                ReplicaMethod method = s.provider().contextual(ReplicaMethod.class,
                        s.provider().call(p -> p.create(s.options(), pluginContext.forPlugin(s.provider().pluginName()))));
                out.add(new ReplicaCreation.Usable(s.method(), method));
            } catch (RuntimeException ex) {
                out.add(new ReplicaCreation.Unavailable(s.method(), "cannot be set up: " + ex.getMessage()));
            }
        }
        return out;
    }

    private static void closeAll(List<ReplicaCreation.Candidate> candidates) {
        for (ReplicaCreation.Candidate c : candidates) {
            if (c instanceof ReplicaCreation.Usable u) {
                try {
                    u.method().close();
                } catch (RuntimeException e) {
                    LOG.warn("replica method {} failed to close: {}", u.name(), e.toString());
                }
            }
        }
    }

    // ---------------------------------------------------------------- running

    @Override
    public void startAsPrimary() {
        following = Optional.empty();
        expectStart("primary");
        wrap("start PostgreSQL", () -> pg.start(ServerRole.primary(), serverConfig()));
    }

    @Override
    public void startAsReplica(Optional<Upstream> upstream) {
        following = upstream;
        expectStart("replica");
        wrap("start PostgreSQL", () -> pg.start(standby(upstream), serverConfig()));
    }

    /** The callback a start fires once PostgreSQL runs: on_restart, on_role_change, or on_start. */
    private void expectStart(String role) {
        String old = lastRole;
        LifecycleEvent event = restarting ? LifecycleEvent.ON_RESTART
                : old != null && !old.equals(role) ? LifecycleEvent.ON_ROLE_CHANGE : LifecycleEvent.ON_START;
        restarting = false;
        pendingStart.set(new PendingStart(event, Optional.ofNullable(old), Optional.of(role)));
    }

    private void completeStart(String observedRole) {
        PendingStart p = pendingStart.getAndSet(null);
        if (p == null) {
            return;
        }
        String role = p.newRole().orElse(observedRole);
        lastRole = role;
        switch (p.event()) {
            case ON_RESTART -> events.restarted(role);
            case ON_ROLE_CHANGE -> events.roleChanged(p.oldRole().orElse("unknown"), role);
            default -> events.started(role);
        }
    }

    @Override
    public void beginRestart() {
        restarting = true;
    }

    @Override
    public void follow(Optional<Upstream> upstream) {
        if (upstream.equals(following)) {
            return;
        }
        LOG.info("following {}", upstream.map(u -> u.name() + " at " + u.where()).orElse("no upstream"));
        wrap("re-point the standby", () -> {
            ServerRole.Standby role = (ServerRole.Standby) standby(upstream);
            if (!pg.follow(role, serverConfig())) {
                pg.restart(role, serverConfig(), io.pgha.engine.postgres.StopMode.FAST, config.postgresql().pgCtlTimeout());
            }
            return null;
        });
        following = upstream;
    }

    @Override
    public void stop(StopMode mode, Duration timeout, Runnable whileWaiting) {
        io.pgha.engine.postgres.StopMode how = mode == StopMode.FAST ? io.pgha.engine.postgres.StopMode.FAST
                : io.pgha.engine.postgres.StopMode.IMMEDIATE;
        boolean wasRunning = pg.adoptRunning().isPresent();
        String role = lastRole != null ? lastRole : following.isPresent() ? "replica" : "primary";
        // before_stop runs inside the heartbeat, so that a slow hook cannot cost a leader its lock
        withHeartbeat("stop PostgreSQL", () -> {
            if (wasRunning) {
                events.beforeStop(role);
            }
            return pg.stop(how, timeout);
        }, whileWaiting);
        if (wasRunning && !restarting) {
            events.stopped(role);
        }
    }

    @Override
    public void fence() {
        pg.fence();
    }

    @Override
    public Optional<Long> postmasterPid() {
        return pg.adoptRunning().map(io.pgha.engine.postgres.Postmaster::pid);
    }

    @Override
    public Duration fenceWorstCase() {
        return PostgresInstance.FENCE_WORST_CASE;
    }

    @Override
    public void promote(Duration timeout) {
        LifecycleEvents.Verdict verdict = events.prePromote(prePromoteTimeout());
        if (!verdict.proceed()) {
            throw new PromotionVetoed(verdict.reason());
        }
        following = Optional.empty();
        wrap("promote", () -> {
            pg.promote(timeout);
            return null;
        });
        String old = lastRole != null ? lastRole : "replica";
        lastRole = "primary";
        events.roleChanged(old, "primary");
        events.promoted();
    }

    /** The callback timeout, but at most half the leader lease: the lock must outlive the hook. */
    private Duration prePromoteTimeout() {
        Duration halfTtl = dynamic.get().adjustedTimings(config.fenced()).ttl().dividedBy(2);
        Duration configured = LifecycleConfig.read(tree, new ArrayList<>()).callbackTimeout();
        return configured.compareTo(halfTtl) < 0 ? configured : halfTtl;
    }

    @Override
    public void reload() {
        ServerRole role = following.isPresent() || observe().role() == PgRole.REPLICA ? standby(following)
                : ServerRole.primary();
        wrap("reload PostgreSQL", () -> {
            pg.reload(role, serverConfig());
            return null;
        });
        events.reloaded(role instanceof ServerRole.Standby ? "replica" : "primary");
    }

    @Override
    public List<io.pgha.engine.ha.StandbyLink> standbys() {
        return wrap("read pg_stat_replication", () -> pg.sql().replication().stream()
                .map(r -> new io.pgha.engine.ha.StandbyLink(r.applicationName(), r.state(), r.syncState(),
                        r.flushLsn().map(Lsn::value).orElse(0L)))
                .toList());
    }

    @Override
    public void setSynchronousStandbyNames(Optional<String> value) {
        if (value.equals(managedSyncNames)) {
            return;
        }
        managedSyncNames = value;
        PgObservation now = observe();
        if (now.isRunning()) {
            // also on a standby about to be promoted: the promoted server keeps the file written now
            ServerRole role = following.isPresent() || now.role() == PgRole.REPLICA ? standby(following)
                    : ServerRole.primary();
            wrap("set synchronous_standby_names", () -> {
                pg.reload(role, serverConfig());
                return null;
            });
        }
    }

    @Override
    public void checkpoint(Runnable whileWaiting) {
        withHeartbeat("checkpoint", () -> {
            pg.sql().checkpoint(Duration.ofSeconds(60));
            return null;
        }, whileWaiting);
    }

    @Override
    public void syncReplicationSlots(Set<String> wanted, Set<String> droppable) {
        wrap("maintain replication slots", () -> pg.sql().syncPhysicalSlots(wanted, droppable));
    }

    @Override
    public Map<String, Long> physicalSlotPositions() {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (io.pgha.engine.postgres.ReplicationSlot slot : wrap("list replication slots",
                () -> pg.sql().replicationSlots())) {
            if (slot.physical()) {
                out.put(slot.name(), slot.restartLsn().map(Lsn::value).orElse(0L));
            }
        }
        return out;
    }

    @Override
    public void syncLogicalSlots(Map<String, io.pgha.engine.ha.SlotPolicy.Logical> wanted) {
        Map<String, io.pgha.engine.postgres.PostgresSql.LogicalSlot> existing = wrap("list logical slots",
                () -> pg.sql().logicalSlots());
        for (Map.Entry<String, io.pgha.engine.ha.SlotPolicy.Logical> w : wanted.entrySet()) {
            io.pgha.engine.postgres.PostgresSql.LogicalSlot have = existing.get(w.getKey());
            if (have != null) {
                if (!have.database().equals(w.getValue().database()) || !have.plugin().equals(w.getValue().plugin())) {
                    LOG.warn("logical slot {} exists for database {} with plugin {}, not {} / {} as configured; left as it"
                            + " is", w.getKey(), have.database(), have.plugin(), w.getValue().database(),
                            w.getValue().plugin());
                }
                continue;
            }
            try (io.pgha.engine.postgres.PostgresSql db = pg.connectLocal(w.getValue().database())) {
                if (wrap("create logical slot " + w.getKey(), () -> db.createLogicalSlot(w.getKey(), w.getValue().plugin()))) {
                    LOG.info("created permanent logical slot {} in database {} with plugin {}", w.getKey(),
                            w.getValue().database(), w.getValue().plugin());
                }
            }
        }
    }

    @Override
    public Map<String, Long> logicalSlotPositions() {
        Map<String, Long> out = new java.util.TreeMap<>();
        wrap("list logical slots", () -> pg.sql().logicalSlots()).forEach((name, slot) ->
                out.put(name, slot.confirmedFlush().map(Lsn::value).orElse(0L)));
        return out;
    }

    @Override
    public void copyLogicalSlots(Upstream leader, Set<String> names) {
        Map<String, byte[]> states = new java.util.TreeMap<>();
        try (io.pgha.engine.postgres.PostgresSql source = pg.connect(leader.host(), leader.port(),
                pg.settings().superuser())) {
            for (String name : names) {
                states.put(name, wrap("read slot " + name + " on " + leader.name(), () -> source.slotStateFile(name)));
            }
        }
        LOG.info("copying logical slots {} from {}: restarting PostgreSQL, which loads slots only at start-up",
                states.keySet(), leader.name());
        Optional<Upstream> upstream = following;
        beginRestart();
        wrap("stop PostgreSQL to install logical slots", () -> pg.stop(io.pgha.engine.postgres.StopMode.FAST,
                config.postgresql().pgCtlTimeout()));
        states.forEach((name, state) -> wrap("install slot " + name, () -> {
            pg.installSlotState(name, state);
            return null;
        }));
        startAsReplica(upstream);
    }

    @Override
    public void advanceLogicalSlots(Map<String, Long> targets) {
        Map<String, io.pgha.engine.postgres.PostgresSql.LogicalSlot> existing = wrap("list logical slots",
                () -> pg.sql().logicalSlots());
        for (Map.Entry<String, Long> t : targets.entrySet()) {
            io.pgha.engine.postgres.PostgresSql.LogicalSlot slot = existing.get(t.getKey());
            if (slot == null || t.getValue() <= slot.confirmedFlush().map(Lsn::value).orElse(0L)) {
                continue;
            }
            try (io.pgha.engine.postgres.PostgresSql db = pg.connectLocal(slot.database())) {
                wrap("advance logical slot " + t.getKey(), () -> db.advanceSlot(t.getKey(), new Lsn(t.getValue())));
            }
        }
    }

    @Override
    public void advancePhysicalSlots(Map<String, Long> targets) {
        Map<String, Long> now = physicalSlotPositions();
        for (Map.Entry<String, Long> t : targets.entrySet()) {
            Long at = now.get(t.getKey());
            // a slot that reserved nothing cannot be advanced; one already there needs nothing
            if (at == null || at == 0 || t.getValue() <= at) {
                continue;
            }
            wrap("advance replication slot " + t.getKey(), () -> pg.sql().advanceSlot(t.getKey(), new Lsn(t.getValue())));
        }
    }

    @Override
    public RejoinOutcome prepareToFollow(Upstream source) {
        boolean rewindAllowed = dynamic.get().usePgRewind(config.postgresql());
        Rewinder.Result r = wrap("compare timelines with " + source.name(),
                () -> new Rewinder(pg).rejoin(source.host(), source.port(), Optional.empty(), rewindAllowed, REWIND_TIMEOUT));
        LOG.info("rejoin check against {}: {} ({})", source.name(), r.outcome(), r.detail());
        return switch (r.outcome()) {
            case NOT_NEEDED -> RejoinOutcome.ALREADY_IN_SYNC;
            case REWOUND -> RejoinOutcome.REWOUND;
            case SOURCE_NOT_READY -> RejoinOutcome.SOURCE_NOT_READY;
            case FAILED -> RejoinOutcome.REWIND_FAILED;
            case NOT_ALLOWED, NOT_POSSIBLE -> RejoinOutcome.DIVERGED;
        };
    }

    @Override
    public Divergence divergence(Upstream upstream, long timeline, long replayedLsn) {
        if (timeline <= 0) {
            return Divergence.UNKNOWN;
        }
        try (io.pgha.engine.postgres.PostgresSql source = pg.connect(upstream.host(), upstream.port(),
                pg.settings().rewindCredentials())) {
            io.pgha.engine.postgres.SourceTimeline history = source.sourceTimeline();
            if (history.inRecovery()) {
                return Divergence.UNKNOWN;
            }
            io.pgha.engine.postgres.RewindDecision d = io.pgha.engine.postgres.RewindDecision.decideForStandby(
                    timeline, new Lsn(replayedLsn), history);
            if (d.needed()) {
                LOG.warn("this standby cannot follow {}: {}", upstream.name(), d.reason());
                return Divergence.DIVERGED;
            }
            return Divergence.ON_HISTORY;
        } catch (PostgresException e) {
            LOG.info("cannot compare this standby's history with {} yet: {}", upstream.name(), e.getMessage());
            return Divergence.UNKNOWN;
        }
    }

    @Override
    public void removeDataDirectory() {
        wrap("remove the data directory", () -> {
            pg.dataDirectory().wipe();
            replicaCreation.clearUnfinished();
            return null;
        });
    }

    // ---------------------------------------------------------------- helpers

    private ServerConfig serverConfig() {
        DynamicConfig dyn = dynamic.get();
        Map<String, String> parameters = new LinkedHashMap<>(PostgresParameters.effective(config, dyn));
        Optional<String> syncNames = managedSyncNames;
        if (syncNames.isEmpty() && dyn.synchronousMode() != DynamicConfig.SynchronousMode.OFF
                && dyn.synchronousModeStrict()) {
            // before the HA loop has decided, a strict primary (started after a crash, say) waits for any standby
            syncNames = Optional.of("*");
        }
        syncNames.ifPresent(v -> parameters.put("synchronous_standby_names", v));
        List<String> hba = config.postgresql().pgHba().or(() -> dyn.postgresql().pgHba()).orElse(List.of());
        List<String> ident = config.postgresql().pgIdent().or(() -> dyn.postgresql().pgIdent()).orElse(List.of());
        return new ServerConfig(parameters, hba, ident);
    }

    private ServerRole standby(Optional<Upstream> upstream) {
        Map<String, String> recovery = new LinkedHashMap<>(dynamic.get().postgresql().recoveryConf());
        recovery.putAll(config.postgresql().recoveryConf());
        upstream.ifPresent(u -> recovery.putAll(u.recoveryParameters()));
        return new ServerRole.Standby(upstream.filter(Upstream::streams).map(PostgresDatabase::source), recovery);
    }

    private static ReplicationSource source(Upstream u) {
        return new ReplicationSource(u.host(), u.port(), u.slotName());
    }

    private String logTail() {
        return pg.logTail().map(t -> "; PostgreSQL said: " + t.strip().replace('\n', ' ')).orElse("");
    }

    private <T> T wrap(String what, java.util.concurrent.Callable<T> action) {
        try {
            return action.call();
        } catch (PostgresException e) {
            // The server log's tail helps only when PostgreSQL itself refused to start or stop.
            boolean serverSide = e.code().contains("START") || e.code().contains("STOP");
            throw new DatabaseException("could not " + what + ": " + e.getMessage() + (serverSide ? logTail() : ""), e);
        } catch (DatabaseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DatabaseException("could not " + what + ": " + e, e);
        } catch (Exception e) {
            throw new DatabaseException("could not " + what + ": " + e, e);
        }
    }

    /**
     * Runs {@code action} on the long-operations thread and calls {@code whileWaiting} on this one about once a second
     * until it is done, so that the HA loop can keep its lock alive through a slow checkpoint or shutdown.
     */
    private <T> T withHeartbeat(String what, java.util.concurrent.Callable<T> action, Runnable whileWaiting) {
        java.util.concurrent.Future<T> f = longOperations.submit(action);
        while (true) {
            try {
                return f.get(1, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                whileWaiting.run();
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause();
                return wrap(what, () -> {
                    if (cause instanceof Exception ex) {
                        throw ex;
                    }
                    throw new IllegalStateException(cause);
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DatabaseException("interrupted while waiting to " + what, e);
            }
        }
    }

    private static Object nested(Map<String, Object> tree, String a, String b) {
        Object first = tree.get(a);
        return first instanceof Map<?, ?> m ? m.get(b) : null;
    }

    @Override
    public void close() {
        events.close();
        longOperations.shutdownNow();
        pg.close();
    }
}
