package io.pgha.replica.command;

import io.pgha.replica.command.internal.CommandReplica;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PluginContext;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * A replica method that runs a configured command, with Patroni's calling convention, so that existing
 * {@code create_replica_methods} entries ({@code wal_e}, {@code wal_g}, {@code pgbackrest}, {@code barman}, a site
 * script) work unchanged. The engine uses it for every listed method whose {@code postgresql.<method>} section has a
 * {@code command}, and for a listed method that no plugin provides but that has a section (Patroni then runs a
 * program named after the method).
 *
 * <p>The options are the method's section: {@code command} (shell-split, never run by a shell; the method name when
 * absent), {@code no_params}, {@code keep_data}, {@code no_leader} (alias {@code no_master}), and any other key, passed
 * as {@code --key=value}. See {@link CommandReplica} for the exact command line.
 *
 * @since 1.0
 */
public final class CommandReplicaProvider implements ReplicaMethodProvider {
    /** The provider name; the engine selects this provider by it for command-style methods. */
    public static final String NAME = "command";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>();
        CommandReplica.Settings.read(options, problems);
        return problems;
    }

    /** @param options the method's section; its last path segment is the method name ({@code postgresql.wal_g}) */
    @Override
    public ReplicaMethod create(ConfigSection options, PluginContext context) {
        List<ConfigProblem> problems = new ArrayList<>();
        CommandReplica.Settings settings = CommandReplica.Settings.read(options, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return new CommandReplica(settings, context.commands());
    }
}
