package io.pgha.spi;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when a configuration cannot be used. Carries every problem found, so that an operator fixes them all in one
 * go; the message lists them one per line.
 *
 * @since 1.0
 */
public final class InvalidConfigException extends PghaException {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    public InvalidConfigException(List<ConfigProblem> problems) {
        super("INVALID_CONFIG", describe(problems));
        this.problems = List.copyOf(problems);
    }

    /** The problems, errors and warnings both, in the order they were found. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String describe(List<ConfigProblem> problems) {
        List<ConfigProblem> errors = problems.stream().filter(ConfigProblem::isError).toList();
        List<ConfigProblem> shown = errors.isEmpty() ? problems : errors;
        return "invalid configuration (" + shown.size() + (shown.size() == 1 ? " problem" : " problems") + "):\n"
                + shown.stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
    }
}
