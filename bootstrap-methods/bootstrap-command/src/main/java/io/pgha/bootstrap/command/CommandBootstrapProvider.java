package io.pgha.bootstrap.command;

import io.pgha.bootstrap.command.internal.CommandBootstrap;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PluginContext;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * Patroni's custom bootstrap ({@code bootstrap.method: <name>} with a {@code bootstrap.<name>} section that has a
 * {@code command}): the command creates the data directory — a clone of another cluster, a restore from a backup,
 * a point-in-time recovery — and the engine starts it with the section's {@code recovery_conf}, waits for the end
 * of recovery and runs {@code post_bootstrap}. The engine selects this provider for every custom method with a
 * command.
 *
 * <p>Options: {@code command} (required, shell-split, never run by a shell), {@code no_params} (do not add
 * {@code --scope} and {@code --datadir}), {@code keep_existing_recovery_conf} (keep the recovery settings the command
 * left in the directory), {@code recovery_conf} (recovery parameters to start with), and any other key, passed as
 * {@code --key=value}.
 *
 * @since 1.0
 */
public final class CommandBootstrapProvider implements BootstrapMethodProvider {
    /** The provider name; the engine selects this provider by it for custom methods with a command. */
    public static final String NAME = "command";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>();
        CommandBootstrap.Settings.read(options, problems);
        return problems;
    }

    @Override
    public BootstrapMethod create(ConfigSection options, PluginContext context) {
        List<ConfigProblem> problems = new ArrayList<>();
        CommandBootstrap.Settings settings = CommandBootstrap.Settings.read(options, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return new CommandBootstrap(settings, context.commands());
    }
}
