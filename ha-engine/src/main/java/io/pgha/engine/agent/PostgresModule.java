package io.pgha.engine.agent;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import io.pgha.engine.config.DynamicConfig;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.plugin.PluginRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** The local PostgreSQL, with its replica-creation and bootstrap methods and callbacks. Nothing is started here. */
final class PostgresModule extends AbstractModule {

    @Provides
    @Singleton
    PostgresDatabase database(LoadedConfig loaded, AtomicReference<DynamicConfig> dynamic, PluginRegistry plugins,
            @Named(ConfigModule.STATE_ROOT) Path stateRoot,
            @Named(ConfigModule.ENVIRONMENT) Map<String, String> environment) {
        return PostgresDatabase.create(loaded.config(), loaded.tree(), dynamic::get, plugins, stateRoot, environment);
    }
}
