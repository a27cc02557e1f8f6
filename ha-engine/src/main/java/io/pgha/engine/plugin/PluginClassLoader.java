package io.pgha.engine.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin directory: all its jars, isolated from the engine's class path.
 *
 * <p>Delegation:
 * <ul>
 *   <li>the JDK (platform class loader) first, as always: a plugin cannot replace {@code java.*};</li>
 *   <li>{@code io.pgha.spi.*} from the engine, because plugin and engine must see the same SPI types;</li>
 *   <li>{@code org.slf4j.*} from the engine — the single deliberate exception to isolation: the logging facade is
 *       shared so that the plugin's and its libraries' logs go to the agent's log through the agent's backend;</li>
 *   <li>everything else from the plugin's own jars only. There is no fallback to the engine's class path, so two
 *       plugins can carry conflicting versions of a library (Netty 4.1 and 4.2, say), and a plugin that forgot a
 *       library fails at once instead of silently running on the engine's copy.</li>
 * </ul>
 * Resources follow the same rule, so {@link java.util.ServiceLoader} over this loader sees only the plugin's
 * {@code META-INF/services}.
 */
final class PluginClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final String pluginName;
    private final ClassLoader spiLoader;
    private final ClassLoader loggingLoader;

    /**
     * @param spiLoader the loader of {@code io.pgha.spi} (the engine's)
     * @param loggingLoader the loader of {@code org.slf4j} (the engine's)
     */
    PluginClassLoader(String pluginName, List<Path> jars, ClassLoader spiLoader, ClassLoader loggingLoader) {
        super("pgha-plugin-" + pluginName, urls(jars), ClassLoader.getPlatformClassLoader());
        this.pluginName = pluginName;
        this.spiLoader = spiLoader;
        this.loggingLoader = loggingLoader;
    }

    String pluginName() {
        return pluginName;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        ClassLoader shared = sharedLoaderForClass(name);
        if (shared != null) {
            return shared.loadClass(name);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = getParent().loadClass(name);
                } catch (ClassNotFoundException notInJdk) {
                    c = findClass(name);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        ClassLoader shared = sharedLoaderForResource(name);
        return shared != null ? shared.getResource(name) : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        ClassLoader shared = sharedLoaderForResource(name);
        return shared != null ? shared.getResources(name) : super.getResources(name);
    }

    private ClassLoader sharedLoaderForClass(String className) {
        if (className.startsWith("io.pgha.spi.")) {
            return spiLoader;
        }
        if (className.startsWith("org.slf4j.")) {
            return loggingLoader;
        }
        return null;
    }

    private ClassLoader sharedLoaderForResource(String resourceName) {
        String n = resourceName.startsWith("/") ? resourceName.substring(1) : resourceName;
        if (n.startsWith("io/pgha/spi/")) {
            return spiLoader;
        }
        if (n.startsWith("org/slf4j/")) {
            return loggingLoader;
        }
        return null;
    }

    private static URL[] urls(List<Path> jars) {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = jars.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new UncheckedIOException(e);
            }
        }
        return urls;
    }

    @Override
    public String toString() {
        return getName();
    }
}
