package io.pgha.testkit.bootstrap;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.PluginContext;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.testkit.server.PostgresProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What {@link BootstrapMethodContractKit} needs from a bootstrap method's test: the provider, options that work and
 * options that do not, and scratch space. Created once per kit run and closed after the last test.
 *
 * @since 1.0
 */
public interface BootstrapKitFixture extends AutoCloseable {

    /** One line for the kit's log. */
    String describe();

    /** The provider under test. */
    BootstrapMethodProvider provider();

    /** Options ({@code bootstrap.<method>}, or {@code bootstrap.initdb}) with which a new cluster is created. */
    ConfigSection workingOptions();

    /** Options the provider's {@code validate} must reject with at least one error. */
    ConfigSection invalidOptions();

    /** Valid options with which a run cannot succeed (a command that fails, a backup that does not exist). */
    ConfigSection failingOptions();

    /**
     * A new, empty directory owned by the database OS user (mode 0700), as the engine hands one to a method; its
     * parent is {@link #workDirectory()}.
     */
    Path newDataDirectory(String name);

    /** Where a created cluster may be started for the kit's check, with its socket and log. */
    Path workDirectory();

    /** The plugin context; its command runner runs programs as the database user. */
    PluginContext context();

    default Path binDirectory() {
        return PostgresProcess.DEFAULT_BIN;
    }

    default Map<String, String> environment() {
        return Map.of("LC_MESSAGES", "C");
    }

    default Duration timeout() {
        return Duration.ofMinutes(5);
    }

    /**
     * Checks of the fixture's own on the new cluster once it runs as a primary (rows a clone must have, rows a
     * point-in-time restore must not have). The default checks nothing more.
     */
    default void verifyRunning(PostgresProcess cluster) {
    }

    @Override
    void close();
}
