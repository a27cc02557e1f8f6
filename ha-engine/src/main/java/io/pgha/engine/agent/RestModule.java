package io.pgha.engine.agent;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgha.engine.Versions;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.ha.Ha;
import io.pgha.engine.ha.HaLoop;
import io.pgha.engine.journal.DecisionJournal;
import io.pgha.engine.rest.RestApiServer;
import io.pgha.engine.rest.RestApiSettings;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsClient;
import java.util.ArrayList;
import java.util.List;

/** The REST API: its settings (validated), the bridge to the HA state, and the server, built but not started. */
final class RestModule extends AbstractModule {

    @Provides
    @Singleton
    RestBridge bridge(Ha ha, HaLoop loop, DcsClient dcs) {
        return new RestBridge(ha, loop, dcs);
    }

    /** @throws InvalidConfigException naming every bad key of the {@code restapi} section */
    @Provides
    @Singleton
    RestApiSettings settings(LoadedConfig loaded) {
        List<ConfigProblem> problems = new ArrayList<>();
        RestApiSettings settings = RestApiSettings.fromConfig(Agent.restSection(loaded), 4, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return settings;
    }

    /** Set once the agent has started, so that POST /reload before then says so. */
    @Provides
    @Singleton
    Agent.Handle handle() {
        return new Agent.Handle();
    }

    @Provides
    @Singleton
    RestApiServer server(RestApiSettings settings, PghaConfig config, RestBridge bridge, Ha ha, HaLoop loop,
            DcsClient dcs, Agent.Handle self, PrometheusMeterRegistry registry, DecisionJournal journal) {
        return RestApiServer.builder(settings).identity(config.scope(), config.name())
                .patroniVersion(Versions.PATRONI_COMPATIBLE).memberStatus(bridge).clusterView(bridge)
                .switchover(bridge).control(new ControlBridge(ha, loop, dcs, self::reload))
                .metrics(registry).events(journal).build();
    }
}
