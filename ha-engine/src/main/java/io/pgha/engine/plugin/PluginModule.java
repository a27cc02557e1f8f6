package io.pgha.engine.plugin;

import com.google.inject.AbstractModule;
import com.google.inject.TypeLiteral;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.callback.LifecycleListenerProvider;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Binds the loaded {@link PluginRegistry} and the providers the configuration selected:
 * <ul>
 *   <li>{@code PluginRegistry} — always;</li>
 *   <li>{@code LoadedProvider<DcsProvider>} — when a DCS is selected;</li>
 *   <li>{@code List<LoadedProvider<ReplicaMethodProvider>>} — in configuration order (possibly empty);</li>
 *   <li>{@code LoadedProvider<BootstrapMethodProvider>} — when a bootstrap method is selected;</li>
 *   <li>{@code List<LoadedProvider<LifecycleListenerProvider>>} — possibly empty.</li>
 * </ul>
 * Names are resolved when the module is constructed, so an unknown name fails there with the registry's
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
        dcs.ifPresent(p -> bind(new TypeLiteral<LoadedProvider<DcsProvider>>() { }).toInstance(p));
        bind(new TypeLiteral<List<LoadedProvider<ReplicaMethodProvider>>>() { }).toInstance(replicaMethods);
        bootstrapMethod.ifPresent(p -> bind(new TypeLiteral<LoadedProvider<BootstrapMethodProvider>>() { })
                .toInstance(p));
        bind(new TypeLiteral<List<LoadedProvider<LifecycleListenerProvider>>>() { }).toInstance(listeners);
    }
}
