package io.pgha.engine.agent;

import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.CommandRunner;
import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsProvider;
import java.util.Map;

/**
 * Reads the cluster from the DCS a configuration names, once, without being a member: for command-line tools such
 * as {@code pgha events}. It opens the DCS client as the agent would and closes it again; it publishes nothing.
 */
public final class ClusterReader {
    private ClusterReader() {
    }

    /** The cluster as the DCS holds it now. */
    public static ClusterState read(LoadedConfig loaded, PluginRegistry plugins, Map<String, String> environment) {
        PghaConfig config = loaded.config();
        LoadedProvider<DcsProvider> provider = plugins.dcs(config.dcs().name());
        // a reader runs no programs; a DCS plugin that tries to is told so
        CommandRunner none = command -> {
            throw new PghaException("NO_COMMANDS", "a DCS reader runs no programs (" + command.argv().get(0) + ")");
        };
        EngineContext context = new EngineContext(config.name(), config.scope(), config.namespace(),
                Agent.stateRoot(config, environment), provider.pluginName(), none,
                config.bootstrap().dcs().adjustedTimings());
        DcsClient dcs = provider.contextual(DcsClient.class,
                provider.call(p -> p.open(config.dcs().section(), context)));
        try {
            return dcs.read();
        } finally {
            dcs.close();
        }
    }
}
