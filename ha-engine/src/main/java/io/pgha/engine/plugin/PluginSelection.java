package io.pgha.engine.plugin;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which providers the configuration selects, by name: the DCS section present ({@code etcd3}), the
 * {@code postgresql.create_replica_methods} list in order, {@code bootstrap.method} and the in-process lifecycle
 * listeners. Immutable.
 */
public record PluginSelection(Optional<String> dcs, List<String> replicaMethods, Optional<String> bootstrapMethod,
        List<String> lifecycleListeners) {

    public PluginSelection {
        Objects.requireNonNull(dcs, "dcs is null");
        Objects.requireNonNull(bootstrapMethod, "bootstrapMethod is null");
        replicaMethods = List.copyOf(replicaMethods);
        lifecycleListeners = List.copyOf(lifecycleListeners);
    }

    /** Nothing selected: only the registry is bound. */
    public static PluginSelection none() {
        return new PluginSelection(Optional.empty(), List.of(), Optional.empty(), List.of());
    }

    public PluginSelection withDcs(String name) {
        return new PluginSelection(Optional.of(name), replicaMethods, bootstrapMethod, lifecycleListeners);
    }

    public PluginSelection withReplicaMethods(List<String> names) {
        return new PluginSelection(dcs, names, bootstrapMethod, lifecycleListeners);
    }

    public PluginSelection withBootstrapMethod(String name) {
        return new PluginSelection(dcs, replicaMethods, Optional.of(name), lifecycleListeners);
    }

    public PluginSelection withLifecycleListeners(List<String> names) {
        return new PluginSelection(dcs, replicaMethods, bootstrapMethod, names);
    }
}
