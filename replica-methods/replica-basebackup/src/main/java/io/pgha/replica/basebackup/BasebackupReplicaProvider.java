package io.pgha.replica.basebackup;

import io.pgha.replica.basebackup.internal.Basebackup;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PluginContext;
import io.pgha.spi.ProgramOptions;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code basebackup} replica method (Patroni's default): a copy of a running member made with pg_basebackup,
 * streaming the WAL it needs alongside. Options come from {@code postgresql.basebackup} ({@code max-rate: 100M},
 * {@code checkpoint: fast}, {@code waldir: /wal}, ...) as {@code --flag} and {@code --name=value} arguments; the
 * agent sets the target, the WAL method and the connection itself, so those may not be set.
 *
 * @since 1.0
 */
public final class BasebackupReplicaProvider implements ReplicaMethodProvider {
    /** The method name in {@code create_replica_methods}. */
    public static final String NAME = "basebackup";
    /** Options the agent sets itself, as Patroni forbids them (Patroni 4.1.1 allows {@code compress}). */
    public static final Set<String> FORBIDDEN = Set.of("pgdata", "format", "wal-method", "xlog-method", "gzip",
            "version", "dbname", "host", "port", "username", "password");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>();
        ProgramOptions.arguments(options, FORBIDDEN, problems);
        return problems;
    }

    @Override
    public ReplicaMethod create(ConfigSection options, PluginContext context) {
        List<ConfigProblem> problems = new ArrayList<>();
        List<String> arguments = ProgramOptions.arguments(options, FORBIDDEN, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return new Basebackup(arguments, context.commands(), Basebackup.RETRY_PAUSE);
    }
}
