/**
 * The pgha service-provider interfaces: the contract between the engine and its plugins.
 *
 * <p>Plugins are discovered with {@link java.util.ServiceLoader}. Each kind of plugin has a stateless
 * <em>provider</em> (factory) that is identified by {@code name()} — the word users write in the Patroni-format
 * configuration — and creates an {@link java.lang.AutoCloseable} product for one agent. Engine services reach
 * plugins through a {@link io.pgha.spi.PluginContext}, never through static state.
 *
 * <p>Compatibility: this API evolves through {@code default} methods only, and its version is
 * {@link io.pgha.spi.SpiVersion#CURRENT}. A plugin records the version it was built against in its jar manifest
 * ({@code Pgha-Spi-Version}); the engine refuses a plugin with another major version or a newer minor version.
 *
 * <p>This module depends on the JDK only.
 *
 * @since 1.0
 */
package io.pgha.spi;
