package io.pgha.replica.pgbackrest;

import io.pgha.replica.pgbackrest.internal.PgBackRestRestore;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PluginContext;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code pgbackrest} replica method: a replica restored from a pgBackRest repository with
 * {@code pgbackrest restore --type=standby}. It reads only the repository, so it does not load the leader and works
 * with no leader running; pgBackRest configures {@code restore_command} (in {@code postgresql.auto.conf}) so that the
 * copy fetches the WAL it needs from the repository, then streams from the leader once there is one.
 *
 * <p>Options ({@code postgresql.pgbackrest}, without a {@code command}: a section with a {@code command} is
 * Patroni's command-style entry and is run by the generic method instead):
 * <ul>
 * <li>{@code stanza} (required): the stanza the cluster archives into;
 * <li>{@code config}: pgBackRest's configuration file, when not the default;
 * <li>{@code delta} (alias {@code keep_data}): restore on top of the existing data directory with {@code --delta};
 * <li>{@code program}: the pgBackRest binary ({@code pgbackrest} from PATH by default);
 * <li>any other key: a pgBackRest option, passed as {@code --key=value} ({@code process-max: 4},
 * {@code repo1-path: /backup}).
 * </ul>
 *
 * @since 1.0
 */
public final class PgBackRestReplicaProvider implements ReplicaMethodProvider {
    /** The method name in {@code create_replica_methods}. */
    public static final String NAME = "pgbackrest";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>();
        PgBackRestRestore.Settings.read(options, problems);
        return problems;
    }

    @Override
    public ReplicaMethod create(ConfigSection options, PluginContext context) {
        List<ConfigProblem> problems = new ArrayList<>();
        PgBackRestRestore.Settings settings = PgBackRestRestore.Settings.read(options, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return new PgBackRestRestore(settings, context.commands());
    }
}
