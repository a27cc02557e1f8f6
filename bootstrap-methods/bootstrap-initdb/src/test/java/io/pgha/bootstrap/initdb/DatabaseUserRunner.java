package io.pgha.bootstrap.initdb;

import io.pgha.spi.CommandRunner;
import io.pgha.testkit.PlainCommandRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The testkit's runner, plus what the engine's runner does for PostgreSQL's programs when the tests run as root:
 * run them as the {@code postgres} OS user through setpriv, from {@code /}.
 */
final class DatabaseUserRunner implements CommandRunner {
    static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final PlainCommandRunner plain = new PlainCommandRunner();

    static List<String> asDatabaseUser(List<String> argv) {
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
