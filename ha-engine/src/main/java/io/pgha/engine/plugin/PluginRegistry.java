package io.pgha.engine.plugin;

import io.pgha.spi.PghaException;
import io.pgha.spi.Provider;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.callback.LifecycleListenerProvider;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Every provider the engine can use, found once at start-up on the application class path and in the plugins
 * directory ({@code plugins/<plugin-name>/*.jar}, one isolated class loader per plugin directory; see
 * {@link PluginClassLoader}). Immutable after loading, thread-safe.
 *
 * <p>Loading refuses — with a {@link PghaException} listing every problem found — a plugin built against an SPI
 * version this engine cannot run ({@link PluginErrors#PLUGIN_INCOMPATIBLE}), a plugin that cannot be read or
 * instantiated ({@link PluginErrors#PLUGIN_LOAD_FAILED}) and two providers of one kind with the same name
 * ({@link PluginErrors#PLUGIN_DUPLICATE}). Looking up a name nobody provides fails with
 * {@link PluginErrors#PLUGIN_UNKNOWN}, naming what is available and which plugin to install.
 *
 * <p>Closing the registry closes the plugin class loaders; do it only when no plugin code runs any more.
 */
public final class PluginRegistry implements AutoCloseable {

    private final Optional<Path> pluginsDir;
    private final List<LoadedProvider<?>> all;
    private final Map<PluginKind<?>, Map<String, LoadedProvider<?>>> byKind;
    private final List<? extends AutoCloseable> loaders;

    PluginRegistry(Optional<Path> pluginsDir, Collection<LoadedProvider<?>> providers,
            List<? extends AutoCloseable> loaders) {
        this.pluginsDir = Objects.requireNonNull(pluginsDir, "pluginsDir is null");
        this.loaders = List.copyOf(loaders);
        Map<PluginKind<?>, Map<String, List<LoadedProvider<?>>>> grouped = new LinkedHashMap<>();
        for (LoadedProvider<?> p : providers) {
            grouped.computeIfAbsent(p.kind(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
        }
        List<String> duplicates = new ArrayList<>();
        Map<PluginKind<?>, Map<String, LoadedProvider<?>>> index = new LinkedHashMap<>();
        for (PluginKind<?> kind : PluginKind.all()) {
            Map<String, LoadedProvider<?>> byName = new LinkedHashMap<>();
            grouped.getOrDefault(kind, Map.of()).entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> {
                        if (e.getValue().size() > 1) {
                            duplicates.add(duplicateMessage(kind, e.getKey(), e.getValue()));
                        }
                        byName.put(e.getKey(), e.getValue().get(0));
                    });
            index.put(kind, Map.copyOf(byName));
        }
        if (!duplicates.isEmpty()) {
            closeQuietly(this.loaders);
            throw new PghaException(PluginErrors.PLUGIN_DUPLICATE, PluginDiscovery.joinProblems(duplicates));
        }
        this.byKind = Map.copyOf(index);
        List<LoadedProvider<?>> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.<LoadedProvider<?>>comparingInt(p -> PluginKind.all().indexOf(p.kind()))
                .thenComparing(LoadedProvider::name));
        this.all = List.copyOf(sorted);
    }

    /**
     * Loads the providers on the engine's class path and in {@code pluginsDir} (when given and present; an absent
     * directory means class path only).
     *
     * @throws PghaException with one of the {@link PluginErrors} codes, naming every problem found
     */
    public static PluginRegistry load(Optional<Path> pluginsDir) {
        return load(pluginsDir, PluginRegistry.class.getClassLoader());
    }

    /**
     * Like {@link #load(Optional)}, with {@code classPath} as the loader whose {@code META-INF/services} count as
     * the application class path (tests pass a loader of their own).
     */
    public static PluginRegistry load(Optional<Path> pluginsDir, ClassLoader classPath) {
        Objects.requireNonNull(pluginsDir, "pluginsDir is null");
        Objects.requireNonNull(classPath, "classPath is null");
        return new PluginDiscovery(classPath).discover(pluginsDir);
    }

    /**
     * A registry of the given providers only, with no plugins directory: for tests and embedding.
     *
     * @throws PghaException {@link PluginErrors#PLUGIN_DUPLICATE} when two have the same kind and name
     */
    public static PluginRegistry of(Collection<LoadedProvider<?>> providers) {
        return new PluginRegistry(Optional.empty(), providers, List.of());
    }

    /** The plugins directory that was searched (it may not exist), or empty for class path only. */
    public Optional<Path> pluginsDir() {
        return pluginsDir;
    }

    /** Every provider, ordered by kind ({@link PluginKind#all()}) then name. */
    public List<LoadedProvider<?>> all() {
        return all;
    }

    /** The providers of one kind, ordered by name. */
    public <P extends Provider> List<LoadedProvider<P>> providers(PluginKind<P> kind) {
        Objects.requireNonNull(kind, "kind is null");
        return byKind.get(kind).values().stream().sorted(Comparator.comparing(LoadedProvider::name))
                .map(p -> cast(kind, p)).collect(Collectors.toUnmodifiableList());
    }

    /** The provider names of one kind, sorted. */
    public List<String> names(PluginKind<?> kind) {
        Objects.requireNonNull(kind, "kind is null");
        return byKind.get(kind).keySet().stream().sorted().collect(Collectors.toUnmodifiableList());
    }

    /** The provider of {@code kind} named {@code name}, if loaded. */
    public <P extends Provider> Optional<LoadedProvider<P>> find(PluginKind<P> kind, String name) {
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(name, "name is null");
        return Optional.ofNullable(byKind.get(kind).get(name)).map(p -> cast(kind, p));
    }

    /**
     * The provider of {@code kind} named {@code name}.
     *
     * @throws PghaException {@link PluginErrors#PLUGIN_UNKNOWN}, e.g. {@code no DCS provider 'consul'; available:
     *         etcd, etcd3, zookeeper; install the dcs-consul plugin into /opt/pgha/plugins/}
     */
    public <P extends Provider> LoadedProvider<P> get(PluginKind<P> kind, String name) {
        return find(kind, name).orElseThrow(() -> new PghaException(PluginErrors.PLUGIN_UNKNOWN,
                unknownMessage(kind, name)));
    }

    /** {@code get(PluginKind.DCS, name)}: the DCS provider for configuration section {@code name}. */
    public LoadedProvider<DcsProvider> dcs(String name) {
        return get(PluginKind.DCS, name);
    }

    /** {@code get(PluginKind.REPLICA_METHOD, name)}. */
    public LoadedProvider<ReplicaMethodProvider> replicaMethod(String name) {
        return get(PluginKind.REPLICA_METHOD, name);
    }

    /** {@code get(PluginKind.BOOTSTRAP_METHOD, name)}. */
    public LoadedProvider<BootstrapMethodProvider> bootstrapMethod(String name) {
        return get(PluginKind.BOOTSTRAP_METHOD, name);
    }

    /** {@code get(PluginKind.LIFECYCLE_LISTENER, name)}. */
    public LoadedProvider<LifecycleListenerProvider> lifecycleListener(String name) {
        return get(PluginKind.LIFECYCLE_LISTENER, name);
    }

    /** Closes the plugin class loaders. */
    @Override
    public void close() {
        closeQuietly(loaders);
    }

    private String unknownMessage(PluginKind<?> kind, String name) {
        List<String> names = names(kind);
        String where = pluginsDir.map(d -> d + "/")
                .orElse("a plugins directory (--plugins-dir, $" + PluginsDirectory.ENV_PLUGINS_DIR + " or $"
                        + PluginsDirectory.ENV_HOME + "/plugins)");
        return "no " + kind.label() + " '" + name + "'; available: " + (names.isEmpty() ? "none" : String.join(", ",
                names)) + "; install the " + kind.suggestedPlugin(name) + " plugin into " + where;
    }

    private static String duplicateMessage(PluginKind<?> kind, String name, List<LoadedProvider<?>> same) {
        return "more than one " + kind.label() + " is named '" + name + "': " + same.stream()
                .map(p -> "plugin " + p.pluginName() + " (" + PluginDiscovery.origin(p) + ")")
                .collect(Collectors.joining(" and ")) + "; remove all but one";
    }

    @SuppressWarnings("unchecked")
    private static <P extends Provider> LoadedProvider<P> cast(PluginKind<P> kind, LoadedProvider<?> p) {
        // safe: the index puts a provider under its own kind only
        return (LoadedProvider<P>) p;
    }

    static void closeQuietly(List<? extends AutoCloseable> closeables) {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // a jar file that fails to close is of no consequence at shutdown
            }
        }
    }
}
