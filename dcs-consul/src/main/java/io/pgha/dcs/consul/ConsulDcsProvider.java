package io.pgha.dcs.consul;

import io.pgha.dcs.consul.internal.ConsulDcs;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import java.util.List;

/**
 * The {@code consul:} section: Consul's KV store and sessions through its HTTP API, with Patroni's Consul key layout
 * ({@code service/<scope>/...}, no leading slash).
 *
 * <p>Options, as in Patroni: {@code host} ({@code host[:port]}, default {@code 127.0.0.1:8500}), {@code port},
 * {@code url}, {@code scheme} ({@code http}|{@code https}), {@code token}, {@code verify}, {@code cacert},
 * {@code cert}, {@code key}, {@code dc}, {@code consistency} ({@code default}|{@code consistent}|{@code stale}),
 * {@code checks}, {@code register_service}, {@code service_tags}, {@code service_check_interval} and
 * {@code service_check_tls_server_name}. See the module's README.
 *
 * @since 1.0
 */
public final class ConsulDcsProvider implements DcsProvider {
    /** The configuration section this provider serves. */
    public static final String NAME = "consul";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        return ConsulDcs.validate(options);
    }

    @Override
    public DcsClient open(ConfigSection section, DcsContext context) {
        return ConsulDcs.open(section, context);
    }
}
