package io.pgha.engine.agent;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.metrics.MeteredDcs;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsProvider;
import java.nio.file.Path;
import java.util.Map;

/**
 * The DCS: the provider the configuration names, picked from those the plugins contributed, and the client it opens
 * (metered). Opening the client connects nothing that must be undone before it is closed by the agent.
 */
final class DcsModule extends AbstractModule {

    /** @throws io.pgha.spi.PghaException the registry's message listing the DCS providers there are */
    @Provides
    @Singleton
    LoadedProvider<DcsProvider> selected(Map<String, LoadedProvider<DcsProvider>> contributed, PluginRegistry plugins,
            PghaConfig config) {
        LoadedProvider<DcsProvider> provider = contributed.get(config.dcs().name());
        return provider != null ? provider : plugins.dcs(config.dcs().name());
    }

    @Provides
    @Singleton
    EngineContext context(PghaConfig config, @Named(ConfigModule.STATE_ROOT) Path stateRoot,
            LoadedProvider<DcsProvider> provider, PostgresDatabase database) {
        return new EngineContext(config.name(), config.scope(), config.namespace(), stateRoot, provider.pluginName(),
                database.commands(), config.bootstrap().dcs().adjustedTimings(config.fenced()));
    }

    @Provides
    @Singleton
    DcsClient client(LoadedProvider<DcsProvider> provider, PghaConfig config, EngineContext context,
            PrometheusMeterRegistry registry) {
        return MeteredDcs.wrap(provider.contextual(DcsClient.class,
                provider.call(p -> p.open(config.dcs().section(), context))), registry);
    }
}
