package io.pgha.dcs.etcd;

import io.pgha.dcs.etcd.internal.EtcdDcs;
import io.pgha.dcs.etcd.internal.SrvDiscovery;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code etcd:} section, which in Patroni selects etcd's v2 API. pgha has no v2 client (jetcd speaks only v3,
 * and etcd 3.4/3.5 serve v2 only with {@code --enable-v2}, newer releases not at all), so this provider accepts the
 * same options as {@link Etcd3DcsProvider} and talks v3 to the same endpoints.
 *
 * <p>The two APIs keep separate key spaces: a pgha agent configured with {@code etcd:} does not see, and is not seen
 * by, Patroni agents still on the v2 API. {@link #validate} says so as a warning and the first {@link #open} logs it;
 * migrate the whole cluster, or configure {@code etcd3:} on the Patroni nodes first.
 *
 * @since 1.0
 */
public final class EtcdDcsProvider implements DcsProvider {
    /** The configuration section this provider serves. */
    public static final String NAME = "etcd";

    private static final Logger LOG = LoggerFactory.getLogger(EtcdDcsProvider.class);
    static final String V3_NOTICE = "pgha speaks etcd's v3 API for the etcd (v2) section: its keys are not shared with "
            + "Patroni nodes that still use the v2 API; use etcd3 on every node of a mixed cluster";

    private final AtomicBoolean warned = new AtomicBoolean();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>(EtcdDcs.validate(options));
        problems.add(ConfigProblem.warning(options.path(), V3_NOTICE));
        return problems;
    }

    @Override
    public DcsClient open(ConfigSection section, DcsContext context) {
        if (warned.compareAndSet(false, true)) {
            LOG.warn(V3_NOTICE);
        }
        return EtcdDcs.open(section, context, SrvDiscovery.jndi());
    }
}
