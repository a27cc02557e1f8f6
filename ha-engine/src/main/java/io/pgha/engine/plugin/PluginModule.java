package io.pgha.engine.plugin;

import com.google.inject.AbstractModule;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import io.pgha.spi.Provider;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.callback.LifecycleListenerProvider;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Contributes what the plugin loader found to the engine's injector. Plugins know nothing of Guice (they are plain
 * {@link java.util.ServiceLoader} providers depending on {@code ha-api} only); this module is where their providers
 * enter the engine, each kind through its own {@link MapBinder} keyed by provider name:
 * <ul>
 *   <li>{@code PluginRegistry} — always;</li>
 *   <li>{@code Map<String, LoadedProvider<DcsProvider>>}, {@code Map<String, LoadedProvider<ReplicaMethodProvider>>},
 *       {@code Map<String, LoadedProvider<BootstrapMethodProvider>>} and
 *       {@code Map<String, LoadedProvider<LifecycleListenerProvider>>} — every loaded provider of the kind (possibly
 *       none), in name order;</li>
 * </ul>
 * and, for what a {@link PluginSelection} names:
 * <ul>
 *   <li>{@code LoadedProvider<DcsProvider>} — when a DCS is selected;</li>
 *   <li>{@code List<LoadedProvider<ReplicaMethodProvider>>} — in configuration order (possibly empty);</li>
 *   <li>{@code LoadedProvider<BootstrapMethodProvider>} — when a bootstrap method is selected;</li>
 *   <li>{@code List<LoadedProvider<LifecycleListenerProvider>>} — possibly empty.</li>
 * </ul>
 * Selected names are resolved when the module is constructed, so an unknown name fails there with the registry's
 * {@link PluginErrors#PLUGIN_UNKNOWN} message rather than inside a Guice {@code CreationException}. Calls into the
 * providers should go through {@link LoadedProvider#call} so that the plugin's class loader is the TCCL.
 */
public final class PluginModule extends AbstractModule {
    private final PluginRegistry registry;
    private final Optional<LoadedProvider<DcsProvider>> dcs;
    private final List<LoadedProvider<ReplicaMethodProvider>> replicaMethods;
    private final Optional<LoadedProvider<BootstrapMethodProvider>> bootstrapMethod;
    private final List<LoadedProvider<LifecycleListenerProvider>> listeners;

    public PluginModule(PluginRegistry registry) {
        this(registry, PluginSelection.none());
    }

    /** @throws io.pgha.spi.PghaException {@link PluginErrors#PLUGIN_UNKNOWN} for a selected name nobody provides */
    public PluginModule(PluginRegistry registry, PluginSelection selection) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
        Objects.requireNonNull(selection, "selection is null");
        this.dcs = selection.dcs().map(registry::dcs);
        this.replicaMethods = selection.replicaMethods().stream().map(registry::replicaMethod).toList();
        this.bootstrapMethod = selection.bootstrapMethod().map(registry::bootstrapMethod);
        this.listeners = selection.lifecycleListeners().stream().map(registry::lifecycleListener).toList();
    }

    @Override
    protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        contribute(PluginKind.DCS, new TypeLiteral<LoadedProvider<DcsProvider>>() { });
        contribute(PluginKind.REPLICA_METHOD, new TypeLiteral<LoadedProvider<ReplicaMethodProvider>>() { });
        contribute(PluginKind.BOOTSTRAP_METHOD, new TypeLiteral<LoadedProvider<BootstrapMethodProvider>>() { });
        contribute(PluginKind.LIFECYCLE_LISTENER, new TypeLiteral<LoadedProvider<LifecycleListenerProvider>>() { });

        dcs.ifPresent(p -> bind(new TypeLiteral<LoadedProvider<DcsProvider>>() { }).toInstance(p));
        bind(new TypeLiteral<List<LoadedProvider<ReplicaMethodProvider>>>() { }).toInstance(replicaMethods);
        bootstrapMethod.ifPresent(p -> bind(new TypeLiteral<LoadedProvider<BootstrapMethodProvider>>() { })
                .toInstance(p));
        bind(new TypeLiteral<List<LoadedProvider<LifecycleListenerProvider>>>() { }).toInstance(listeners);
    }

    /** One map entry per loaded provider of {@code kind}; the map exists (empty) when no plugin provides the kind. */
    private <P extends Provider> void contribute(PluginKind<P> kind, TypeLiteral<LoadedProvider<P>> type) {
        MapBinder<String, LoadedProvider<P>> map = MapBinder.newMapBinder(binder(), TypeLiteral.get(String.class), type);
        for (LoadedProvider<P> provider : registry.providers(kind)) {
            map.addBinding(provider.name()).toInstance(provider);
        }
    }
}
