package io.pgha.spi.dcs;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.Provider;

/**
 * Factory for one kind of DCS. Its {@link #name()} is the configuration section it serves ({@code etcd3},
 * {@code zookeeper}, ...); a provider that serves several sections (etcd's v2 and v3 sections, say) registers one
 * provider per name.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 1.0
 */
public interface DcsProvider extends Provider {

    /**
     * Opens a client for the cluster named by {@code context} ({@link DcsContext#namespace()} +
     * {@link DcsContext#scope()}). Must not block for longer than the context's retry timeout; an unreachable store
     * is not an error here (the first operation reports it), but an invalid section is.
     *
     * @param section this provider's configuration section, already accepted by {@link #validate}
     * @throws io.pgha.spi.InvalidConfigException when the section cannot be used
     */
    DcsClient open(ConfigSection section, DcsContext context);
}
