package io.pgha.engine.plugin;

import io.pgha.spi.Provider;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.callback.LifecycleListenerProvider;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One kind of plugin provider: the SPI interface it implements, and the words used for it in listings and errors.
 * A typed constant rather than an enum so that lookups return {@code LoadedProvider<DcsProvider>} etc. without casts.
 *
 * @param <P> the SPI interface
 */
public final class PluginKind<P extends Provider> {

    public static final PluginKind<DcsProvider> DCS = new PluginKind<>(DcsProvider.class, "dcs", "DCS provider",
            "dcs-", Map.of("etcd3", "dcs-etcd", "exhibitor", "dcs-zookeeper"));
    public static final PluginKind<ReplicaMethodProvider> REPLICA_METHOD = new PluginKind<>(
            ReplicaMethodProvider.class, "replica-method", "replica method", "replica-", Map.of());
    public static final PluginKind<BootstrapMethodProvider> BOOTSTRAP_METHOD = new PluginKind<>(
            BootstrapMethodProvider.class, "bootstrap-method", "bootstrap method", "bootstrap-", Map.of());
    public static final PluginKind<LifecycleListenerProvider> LIFECYCLE_LISTENER = new PluginKind<>(
            LifecycleListenerProvider.class, "lifecycle-listener", "lifecycle listener", "listener-", Map.of());

    private static final List<PluginKind<?>> ALL = List.of(DCS, REPLICA_METHOD, BOOTSTRAP_METHOD, LIFECYCLE_LISTENER);

    private final Class<P> type;
    private final String id;
    private final String label;
    private final String pluginPrefix;
    private final Map<String, String> pluginByName;

    private PluginKind(Class<P> type, String id, String label, String pluginPrefix, Map<String, String> pluginByName) {
        this.type = type;
        this.id = id;
        this.label = label;
        this.pluginPrefix = pluginPrefix;
        this.pluginByName = pluginByName;
    }

    /** Every kind, in listing order. */
    public static List<PluginKind<?>> all() {
        return ALL;
    }

    /** The SPI interface, as named in {@code META-INF/services/}. */
    public Class<P> type() {
        return type;
    }

    /** Short id for tables: {@code dcs}, {@code replica-method}, {@code bootstrap-method}, {@code lifecycle-listener}. */
    public String id() {
        return id;
    }

    /** Words for messages: {@code DCS provider}, {@code replica method}, ... */
    public String label() {
        return label;
    }

    /**
     * The plugin (directory under {@code plugins/}) that is expected to provide {@code name}: the project's naming
     * rule ({@code dcs-consul} for {@code consul}), plus the few names served by a differently named plugin
     * ({@code etcd3} comes with {@code dcs-etcd}). A hint for error messages, not a guarantee.
     */
    public String suggestedPlugin(String name) {
        Objects.requireNonNull(name, "name is null");
        return pluginByName.getOrDefault(name, pluginPrefix + name);
    }

    @Override
    public String toString() {
        return id;
    }
}
