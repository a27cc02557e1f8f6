package io.pgha.engine.cli;

import io.pgha.spi.PghaException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code pgha} command line. Each subcommand is its own class. */
@Command(name = "pgha", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "High availability for PostgreSQL, compatible with Patroni.",
        subcommands = {VersionCommand.class, PluginsCommand.class, ValidateCommand.class, AgentCommand.class,
                DemoCommand.class, EventsCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code, for tests. */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        try {
            return cl.execute(args);
        } finally {
            // a command that printed without a line end must not lose it at exit
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    /** Runs the command line with its output and errors going to the given writers; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand("ctl", new io.pgha.engine.ctl.Pghactl());
        // a PghaException carries a message meant for the operator: print it, not a stack trace
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof PghaException p) {
                commandLine.getErr().println("pgha: " + p.getMessage() + " [" + p.code() + "]");
                commandLine.getErr().flush();
                return 1;
            }
            if (e instanceof io.pgha.spi.dcs.DcsUnavailableException d) {
                commandLine.getErr().println("pgha: the DCS is not accessible: " + d.getMessage());
                commandLine.getErr().flush();
                return 1;
            }
            throw e;
        });
        return cl;
    }

    @Spec
    CommandSpec spec;

    /** Without a subcommand: the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
