package io.pgha.spi.bootstrap;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.PluginContext;
import io.pgha.spi.Provider;

/**
 * Factory for one bootstrap method. {@code initdb} is selected when {@code bootstrap.method} is absent or
 * {@code initdb}; its options are {@code bootstrap.initdb}. A custom method {@code m} gets the {@code bootstrap.m}
 * section. Stateless and thread-safe.
 *
 * @since 1.0
 */
public interface BootstrapMethodProvider extends Provider {

    /** Creates the method with its options, already accepted by {@link #validate}. */
    BootstrapMethod create(ConfigSection options, PluginContext context);
}
