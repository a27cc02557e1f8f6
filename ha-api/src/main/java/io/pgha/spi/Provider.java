package io.pgha.spi;

import java.util.List;

/**
 * What every plugin factory has: a name that users write in the configuration, and validation of the options it
 * will be given. Providers are stateless and thread-safe; they are instantiated by {@link java.util.ServiceLoader}
 * and need a public no-argument constructor.
 *
 * @since 1.0
 */
public interface Provider {

    /**
     * The name users select this provider by: the DCS section name ({@code etcd3}, {@code zookeeper}), the replica
     * method name in {@code create_replica_methods} ({@code basebackup}), the bootstrap method name
     * ({@code initdb}). Lower case; unique among providers of the same kind.
     */
    String name();

    /**
     * Checks the options this provider would be created with and reports every problem, with paths relative to the
     * section ({@link ConfigSection#pathOf}). Must not touch the network or the disk. The default accepts anything.
     */
    default List<ConfigProblem> validate(ConfigSection options) {
        return List.of();
    }
}
