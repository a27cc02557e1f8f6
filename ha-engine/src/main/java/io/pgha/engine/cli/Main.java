package io.pgha.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pgha} command line. Each subcommand is its own class. */
@Command(name = "pgha", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "High availability for PostgreSQL, compatible with Patroni.",
        subcommands = {VersionCommand.class, PluginsCommand.class, ValidateCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code, for tests. */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
