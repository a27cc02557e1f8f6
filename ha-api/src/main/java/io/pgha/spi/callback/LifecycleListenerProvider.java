package io.pgha.spi.callback;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.PluginContext;
import io.pgha.spi.Provider;

/**
 * Factory for an in-process lifecycle listener. Stateless and thread-safe.
 *
 * @since 1.0
 */
public interface LifecycleListenerProvider extends Provider {

    /** Creates the listener for one agent with its options. */
    LifecycleListener create(ConfigSection options, PluginContext context);
}
