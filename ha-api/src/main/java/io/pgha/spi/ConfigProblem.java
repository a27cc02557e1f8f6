package io.pgha.spi;

import java.util.Objects;

/**
 * One thing wrong with a configuration: where, and what.
 *
 * <p>{@code path} is the dotted key path in the Patroni-format YAML ({@code etcd3.hosts[1]},
 * {@code bootstrap.dcs.ttl}); {@code message} says what was found and what is expected, for example
 * {@code "got 'ten': expected a whole number of seconds"}. Providers validate the config section they own and
 * report every problem they find, not just the first; the engine prefixes paths with the section name when a
 * provider reports paths relative to its section.
 *
 * @param path where the problem is; never {@code null}, may be empty for the document root
 * @param message what is wrong and what is expected; never {@code null}
 * @param severity whether the problem stops the agent
 * @since 1.0
 */
public record ConfigProblem(String path, String message, Severity severity) {

    /** How bad a problem is. */
    public enum Severity {
        /** The configuration cannot be used; the agent refuses to start. */
        ERROR,
        /** Worth telling the operator (an unknown key, say), but the agent starts. */
        WARNING
    }

    public ConfigProblem {
        Objects.requireNonNull(path, "path is null");
        Objects.requireNonNull(message, "message is null");
        Objects.requireNonNull(severity, "severity is null");
    }

    public static ConfigProblem error(String path, String message) {
        return new ConfigProblem(path, message, Severity.ERROR);
    }

    public static ConfigProblem warning(String path, String message) {
        return new ConfigProblem(path, message, Severity.WARNING);
    }

    /** The same problem with {@code prefix} put in front of its path, as when a section's problems are embedded. */
    public ConfigProblem under(String prefix) {
        if (prefix.isEmpty()) {
            return this;
        }
        String joined = path.isEmpty() ? prefix : path.startsWith("[") ? prefix + path : prefix + "." + path;
        return new ConfigProblem(joined, message, severity);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        return (path.isEmpty() ? "(top level)" : path) + ": " + message;
    }
}
