package io.pgha.engine.agent;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import io.pgha.engine.config.DynamicConfig;
import io.pgha.engine.config.FencingConfig;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.ha.ExternalFence;
import io.pgha.engine.ha.Ha;
import io.pgha.engine.ha.HaClock;
import io.pgha.engine.ha.HaLoop;
import io.pgha.engine.ha.HttpPeerProbe;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.ha.MemberIdentity;
import io.pgha.engine.journal.DecisionJournal;
import io.pgha.engine.metrics.AgentMetrics;
import io.pgha.spi.dcs.DcsClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HA state machine and its loop, the lease guard and the fence behind it. The one provider with an effect is
 * {@link #fence}: asking for it starts the fencing supervisor when the configuration requires one, so the agent asks
 * for it only once PostgreSQL's state is known ({@link Agent#start}).
 */
final class HaModule extends AbstractModule {

    @Provides
    @Singleton
    HaClock clock() {
        return HaClock.system();
    }

    @Provides
    @Singleton
    MemberIdentity identity(PghaConfig config) {
        return new MemberIdentity(config.name(), config.scope(),
                "postgres://" + config.postgresql().memberConnectAddress() + "/postgres",
                config.restapi().apiUrl(), config.tags().asMemberTags());
    }

    @Provides
    @Singleton
    ExternalFence fence(PghaConfig config, @Named(ConfigModule.STATE_ROOT) Path stateRoot) {
        return config.fencing().supervisor() == FencingConfig.Supervisor.REQUIRED
                ? FencingSupervisor.start(stateRoot) : ExternalFence.NONE;
    }

    /** The journal records the lease's state with every decision. */
    @Provides
    @Singleton
    LeaseGuard guard(PostgresDatabase database, HaClock clock, ExternalFence fence, DecisionJournal journal) {
        LeaseGuard guard = new LeaseGuard(database, clock, fence, journal);
        journal.leaseFrom(guard);
        return guard;
    }

    @Provides
    @Singleton
    HttpPeerProbe probe(PghaConfig config) {
        return new HttpPeerProbe(Duration.ofSeconds(2), Agent.basicAuth(config));
    }

    /** The kernel watchdog of the {@code watchdog} section (nothing with mode off). */
    @Provides
    @Singleton
    io.pgha.engine.ha.Watchdog watchdog(PghaConfig config) {
        return KernelWatchdog.of(config.watchdog());
    }

    /** The policy follows the file in force and the DCS {@code config} key; it is rebuilt when either changes. */
    @Provides
    @Singleton
    Ha ha(MemberIdentity me, DcsClient dcs, PostgresDatabase database, HttpPeerProbe probe, LeaseGuard guard,
            HaClock clock, AtomicReference<LoadedConfig> current, AtomicReference<DynamicConfig> dynamic,
            @Named(ConfigModule.FILE_GENERATION) AtomicLong generation, io.pgha.engine.ha.Watchdog watchdog) {
        return new Ha(me, dcs, database, probe, guard, clock,
                new PolicyCache(() -> current.get().config(), generation::get,
                        cluster -> Agent.policy(current.get().config(), cluster, dynamic, generation.get())), watchdog);
    }

    @Provides
    @Singleton
    HaLoop loop(Ha ha, DecisionJournal journal, AgentMetrics metrics) {
        return new HaLoop(ha, Duration.ofMinutes(1), List.of(journal, metrics));
    }
}
