package io.pgha.testkit;

import io.pgha.spi.CommandRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link PlainCommandRunner}, plus what the engine's runner does for PostgreSQL's programs when the tests run as
 * root: commands marked {@link Command#asDatabaseUser()} run as the {@code postgres} OS user through setpriv (which
 * execs in place, so a started server's pid is its own), from {@code /}. For plugin tests that run PostgreSQL's
 * programs.
 *
 * @since 1.0
 */
public final class DatabaseUserCommandRunner implements CommandRunner {
    /** Whether the tests run as root, so that PostgreSQL's programs must switch user. */
    public static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final PlainCommandRunner plain = new PlainCommandRunner();

    /** {@code argv} as the database OS user: prefixed with setpriv when running as root, else unchanged. */
    public static List<String> asDatabaseUser(List<String> argv) {
        if (!ROOT) {
            return argv;
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                "--"));
        out.addAll(argv);
        return out;
    }

    @Override
    public CommandResult run(Command c) {
        if (!c.asDatabaseUser()) {
            return plain.run(c);
        }
        return plain.run(new Command(asDatabaseUser(c.argv()), c.environment(),
                Optional.of(c.workingDirectory().orElse(Path.of("/"))), c.timeout(), false));
    }
}
