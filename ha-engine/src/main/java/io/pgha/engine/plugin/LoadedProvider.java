package io.pgha.engine.plugin;

import io.pgha.spi.Provider;
import io.pgha.spi.SpiVersion;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One provider found at start-up, with where it came from. Immutable.
 *
 * @param kind which SPI it implements
 * @param name {@link Provider#name()}, what users write in the configuration
 * @param pluginName the plugin directory under {@code plugins/}; for class-path providers the manifest's
 *        {@code Pgha-Plugin-Name} (else the module name of a {@code target/classes} directory, else
 *        {@value #CLASSPATH})
 * @param pluginVersion the manifest's {@code Pgha-Plugin-Version}, else {@code Implementation-Version}, else
 *        {@value #DEV_VERSION} for class-path providers without one
 * @param spiVersion the SPI version the plugin was built against ({@code Pgha-Spi-Version}); for class-path
 *        providers without one, {@link SpiVersion#CURRENT}
 * @param location absolute path of the jar holding the provider class, or {@value #CLASSPATH} for a provider on
 *        the application class path
 * @param provider the provider instance (stateless, thread-safe)
 * @param classLoader the loader of the provider class: the plugin's own loader, or the application class loader
 * @param <P> the SPI interface
 */
public record LoadedProvider<P extends Provider>(PluginKind<P> kind, String name, String pluginName,
        String pluginVersion, SpiVersion spiVersion, String location, P provider, ClassLoader classLoader) {

    /** {@link #location()} of providers found on the application class path. */
    public static final String CLASSPATH = "classpath";
    /** {@link #pluginVersion()} of class-path providers whose manifest names no version (IDE / test runs). */
    public static final String DEV_VERSION = "dev";

    public LoadedProvider {
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(pluginName, "pluginName is null");
        Objects.requireNonNull(pluginVersion, "pluginVersion is null");
        Objects.requireNonNull(spiVersion, "spiVersion is null");
        Objects.requireNonNull(location, "location is null");
        Objects.requireNonNull(provider, "provider is null");
        Objects.requireNonNull(classLoader, "classLoader is null");
    }

    /**
     * A provider handed in directly (tests, embedding), described like a class-path provider: plugin
     * {@value #CLASSPATH}, version {@value #DEV_VERSION}, SPI {@link SpiVersion#CURRENT}.
     */
    public static <P extends Provider> LoadedProvider<P> of(PluginKind<P> kind, P provider) {
        Objects.requireNonNull(provider, "provider is null");
        return new LoadedProvider<>(kind, provider.name(), CLASSPATH, DEV_VERSION, SpiVersion.CURRENT, CLASSPATH,
                provider, provider.getClass().getClassLoader());
    }

    /** Whether the provider came from the application class path rather than the plugins directory. */
    public boolean fromClassPath() {
        return CLASSPATH.equals(location);
    }

    /**
     * Calls into the provider with its plugin's class loader as the thread context class loader, e.g.
     * {@code dcs.call(p -> p.open(section, context))}.
     */
    public <R> R call(Function<? super P, ? extends R> action) {
        Objects.requireNonNull(action, "action is null");
        return ContextClassLoader.call(classLoader, () -> action.apply(provider));
    }

    /** Like {@link #call} without a result. */
    public void run(Consumer<? super P> action) {
        Objects.requireNonNull(action, "action is null");
        ContextClassLoader.run(classLoader, () -> action.accept(provider));
    }

    /**
     * Wraps a product this provider created (a {@code DcsClient}, a {@code ReplicaMethod}, ...) so that every call
     * of an {@code iface} method runs with the plugin's class loader as the thread context class loader.
     */
    public <T> T contextual(Class<T> iface, T product) {
        return ContextClassLoader.wrap(iface, product, classLoader);
    }

    /** For messages: {@code dcs provider 'etcd3' (plugin dcs-etcd 0.1.0, /opt/pgha/plugins/dcs-etcd/dcs-etcd.jar)}. */
    public String describe() {
        return kind.label() + " '" + name + "' (plugin " + pluginName + " " + pluginVersion + ", " + location + ")";
    }
}
