package io.pgha.dcs.zookeeper;

import io.pgha.dcs.zookeeper.internal.ZooKeeperClients;
import io.pgha.dcs.zookeeper.internal.ZooKeeperSettings;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code zookeeper} DCS: Patroni's ZooKeeper layout through Apache Curator, optionally with a ZooKeeper
 * server embedded in the agent ({@code zookeeper.embedded}), which makes a cluster work without any DCS to set
 * up. See {@link ZooKeeperSettings} for the options.
 *
 * <p>The leader lock and member keys are ephemeral znodes: they expire with the agent's ZooKeeper session, whose
 * timeout is the ttl.
 */
public final class ZooKeeperDcsProvider implements DcsProvider {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperDcsProvider.class);

    @Override
    public String name() {
        return "zookeeper";
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        Objects.requireNonNull(options, "options is null");
        List<ConfigProblem> problems = new ArrayList<>();
        ZooKeeperSettings.parse(options, problems);
        return problems;
    }

    @Override
    public DcsClient open(ConfigSection section, DcsContext context) {
        Objects.requireNonNull(section, "section is null");
        Objects.requireNonNull(context, "context is null");
        List<ConfigProblem> problems = new ArrayList<>();
        ZooKeeperSettings settings = ZooKeeperSettings.parse(section, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        problems.forEach(p -> LOG.warn("{}", p));
        return ZooKeeperClients.open(settings, context);
    }
}
