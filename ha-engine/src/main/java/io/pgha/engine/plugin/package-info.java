/**
 * Plugin loading: finds the providers of every SPI kind ({@link io.pgha.engine.plugin.PluginKind}) on the
 * application class path and in the plugins directory, checks their SPI version, and indexes them by name
 * ({@link io.pgha.engine.plugin.PluginRegistry}).
 *
 * <p>Layout: {@code plugins/<plugin-name>/*.jar}, as unpacked from a plugin's {@code -plugin.zip}. Each plugin
 * directory gets one class loader over all its jars. That loader shares exactly two things with the engine: the SPI
 * ({@code io.pgha.spi.*}), which is the contract, and the SLF4J API ({@code org.slf4j.*}) — the one deliberate
 * exception to isolation, so that plugins and the libraries inside them log into the agent's log. Everything else a
 * plugin uses comes from its own jars, which lets two plugins carry conflicting versions of one library.
 *
 * <p>Libraries such as Netty and gRPC consult the thread context class loader; calls into a plugin go through
 * {@link io.pgha.engine.plugin.LoadedProvider#call} (and products are wrapped with
 * {@link io.pgha.engine.plugin.LoadedProvider#contextual}) so that it is the plugin's loader.
 */
package io.pgha.engine.plugin;
