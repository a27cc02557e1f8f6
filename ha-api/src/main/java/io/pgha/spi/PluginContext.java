package io.pgha.spi;

import java.nio.file.Path;
import java.time.Clock;

/**
 * What the engine offers every plugin it creates: who and where this agent is, and engine services.
 *
 * <p>Plugins must use these instead of static state, so that several agents (as in tests and in {@code pgha demo})
 * can share one JVM. Implementations are thread-safe.
 *
 * @since 1.0
 */
public interface PluginContext {

    /** This member's name ({@code name:} in the configuration); unique within the cluster. */
    String memberName();

    /** The cluster's name ({@code scope:}). */
    String scope();

    /** The DCS namespace, normalised to start and end with {@code /} (default {@code /service/}). */
    String namespace();

    /**
     * A directory the plugin may keep state in across restarts (for example an embedded server's data). It exists
     * and is private to this plugin and this member.
     */
    Path stateDirectory();

    /** Runs external programs, as the database OS user where PostgreSQL requires it. */
    CommandRunner commands();

    /** The clock to use for every time decision, so that tests can control it. */
    default Clock clock() {
        return Clock.systemUTC();
    }
}
