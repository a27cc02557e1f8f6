package io.pgha.engine.agent;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import io.pgha.engine.config.DynamicConfig;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.config.PghaConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The configuration the member started with, and the state that reloads change: the file in force, its generation
 * (bumped by every reload so that the HA loop reloads PostgreSQL) and the dynamic configuration last read from the DCS.
 */
final class ConfigModule extends AbstractModule {
    static final String ENVIRONMENT = "environment";
    static final String STATE_ROOT = "stateRoot";
    static final String FILE_GENERATION = "fileGeneration";

    private final LoadedConfig loaded;
    private final Map<String, String> environment;

    ConfigModule(LoadedConfig loaded, Map<String, String> environment) {
        this.loaded = Objects.requireNonNull(loaded, "loaded is null");
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment is null"));
    }

    /** The configuration at start-up; what reloads put in force is {@link #current}. */
    @Provides
    LoadedConfig loaded() {
        return loaded;
    }

    @Provides
    PghaConfig config() {
        return loaded.config();
    }

    @Provides
    @Named(ENVIRONMENT)
    Map<String, String> environment() {
        return environment;
    }

    @Provides
    @Singleton
    @Named(STATE_ROOT)
    Path stateRoot() {
        return Agent.stateRoot(loaded.config(), environment);
    }

    @Provides
    @Singleton
    AtomicReference<LoadedConfig> current() {
        return new AtomicReference<>(loaded);
    }

    @Provides
    @Singleton
    @Named(FILE_GENERATION)
    AtomicLong fileGeneration() {
        return new AtomicLong();
    }

    /** {@code bootstrap.dcs} until the HA loop has read the DCS {@code config} key. */
    @Provides
    @Singleton
    AtomicReference<DynamicConfig> dynamic() {
        return new AtomicReference<>(loaded.config().bootstrap().dcs());
    }
}
