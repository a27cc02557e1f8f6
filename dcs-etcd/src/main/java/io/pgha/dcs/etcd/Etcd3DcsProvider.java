package io.pgha.dcs.etcd;

import io.pgha.dcs.etcd.internal.EtcdDcs;
import io.pgha.dcs.etcd.internal.SrvDiscovery;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import java.util.List;

/**
 * The {@code etcd3:} section: etcd's v3 API through jetcd, with Patroni's etcd3 key layout.
 *
 * <p>Options, as in Patroni: {@code host}, {@code hosts} (list or comma-separated), {@code port}, {@code url},
 * {@code proxy}, {@code srv} (also {@code discovery_srv}, {@code srv_domain}) with {@code srv_suffix},
 * {@code use_proxies}, {@code protocol} ({@code http}|{@code https}), {@code username}, {@code password},
 * {@code cacert}, {@code cert}, {@code key}, and {@code key_password} for an encrypted key. See the module's README.
 *
 * @since 1.0
 */
public final class Etcd3DcsProvider implements DcsProvider {
    /** The configuration section this provider serves. */
    public static final String NAME = "etcd3";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        return EtcdDcs.validate(options);
    }

    @Override
    public DcsClient open(ConfigSection section, DcsContext context) {
        return EtcdDcs.open(section, context, SrvDiscovery.jndi());
    }
}
