package io.pgha.bootstrap.initdb;

import io.pgha.bootstrap.initdb.internal.InitdbBootstrap;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PluginContext;
import io.pgha.spi.ProgramOptions;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code initdb} bootstrap method: a brand-new cluster made by PostgreSQL's initdb, with the options of
 * {@code bootstrap.initdb} ({@code data-checksums}, {@code encoding: UTF8}, {@code locale: en_US.UTF-8}, ...) as
 * {@code --flag} and {@code --name=value} arguments. The agent adds the data directory, the superuser's name and its
 * password file itself, so those options may not be set.
 *
 * @since 1.0
 */
public final class InitdbBootstrapProvider implements BootstrapMethodProvider {
    /** The method name ({@code bootstrap.method}, the default). */
    public static final String NAME = "initdb";
    /** Options the agent sets itself or that would break the bootstrap, as Patroni forbids them. */
    public static final Set<String> FORBIDDEN = Set.of("pgdata", "nosync", "pwfile", "sync-only", "version");

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
    public BootstrapMethod create(ConfigSection options, PluginContext context) {
        List<ConfigProblem> problems = new ArrayList<>();
        List<String> arguments = ProgramOptions.arguments(options, FORBIDDEN, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return new InitdbBootstrap(arguments, context.commands());
    }
}
