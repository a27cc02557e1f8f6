package io.pgha.spi.replica;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.PluginContext;
import io.pgha.spi.Provider;

/**
 * Factory for one replica-creation method, named as users list it in {@code postgresql.create_replica_methods}.
 * Its options are the {@code postgresql.<name>} section. Stateless and thread-safe.
 *
 * @since 1.0
 */
public interface ReplicaMethodProvider extends Provider {

    /**
     * Creates the method for one agent.
     *
     * @param options the {@code postgresql.<name>} section (empty when absent), already accepted by {@link #validate}
     */
    ReplicaMethod create(ConfigSection options, PluginContext context);
}
