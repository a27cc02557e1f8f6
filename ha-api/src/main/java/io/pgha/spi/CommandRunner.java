package io.pgha.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs an external program to completion. The engine's implementation knows how to run PostgreSQL's programs as an
 * unprivileged OS user when the agent runs as root, and how to bound and kill what it starts.
 *
 * <p>Thread-safe; {@link #run} blocks the calling thread until the program ends or its timeout passes.
 *
 * @since 1.0
 */
public interface CommandRunner {

    /**
     * Runs {@code command} and waits for it. A program that outlives its timeout is killed, with its process group,
     * and reported with {@link CommandResult#timedOut()}.
     *
     * @throws PghaException with code {@code COMMAND_FAILED_TO_START} when the program cannot be started at all
     */
    CommandResult run(Command command);

    /**
     * One program invocation.
     *
     * @param argv the program and its arguments; not run through a shell
     * @param environment variables added to the agent's environment
     * @param workingDirectory where to run it; the agent's own when empty
     * @param timeout how long it may run
     * @param asDatabaseUser run as the OS user that owns the PostgreSQL data (needed for PostgreSQL's binaries, which
     *        refuse to run as root)
     */
    record Command(List<String> argv, Map<String, String> environment, Optional<Path> workingDirectory,
            Duration timeout, boolean asDatabaseUser) {
        public Command {
            argv = List.copyOf(Objects.requireNonNull(argv, "argv is null"));
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("argv is empty");
            }
            environment = Map.copyOf(Objects.requireNonNull(environment, "environment is null"));
            Objects.requireNonNull(workingDirectory, "workingDirectory is null");
            Objects.requireNonNull(timeout, "timeout is null");
        }

        /** A program run as the database OS user with no extra environment. */
        public static Command ofDatabaseUser(List<String> argv, Duration timeout) {
            return new Command(argv, Map.of(), Optional.empty(), timeout, true);
        }
    }

    /**
     * How a program ended.
     *
     * @param exitCode its exit status (-1 when it was killed for its timeout)
     * @param output the last part of its standard output and error, interleaved, for logs and error messages
     * @param timedOut whether it was killed because it outlived its timeout
     */
    record CommandResult(int exitCode, String output, boolean timedOut) {
        public CommandResult {
            Objects.requireNonNull(output, "output is null");
        }

        public boolean succeeded() {
            return exitCode == 0 && !timedOut;
        }
    }
}
