package io.pgha.testkit.replica;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.PluginContext;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link ReplicaMethodContractKit} needs from a method's test: the provider, options that work and options that
 * do not, and a real source to copy (a running PostgreSQL primary, an archive, or both). Created once per kit run
 * and closed after the last test. {@link PostgresSourceFixture} starts the usual source; most methods only add
 * their options to it.
 *
 * @since 1.0
 */
public interface ReplicaKitFixture extends AutoCloseable {

    /** One line for the kit's log: the method and what it copies from. */
    String describe();

    /** The provider under test, as the engine would load it. */
    ReplicaMethodProvider provider();

    /** Options ({@code postgresql.<name>}) with which a copy of {@link #sourceSystemIdentifier() the source} works. */
    ConfigSection workingOptions();

    /** Options the provider's {@code validate} must reject with at least one error. */
    ConfigSection invalidOptions();

    /**
     * Valid options with which a run cannot succeed (a stanza or backup that does not exist, a command that fails).
     * The default is {@link #workingOptions()}: a method that needs a leader is then run against a source nothing
     * listens on, which must fail just the same.
     */
    default ConfigSection failingOptions() {
        return workingOptions();
    }

    /** Whether the method builds replicas with no leader running (Patroni's {@code no_leader}); the kit checks it. */
    boolean runsWithoutLeader();

    /** Whether the method works on top of an existing directory (Patroni's {@code keep_data}); the kit checks it. */
    boolean keepsExistingData();

    /**
     * The libpq connection string of the running primary the copy is made from (no password: trust or the pgpass
     * file in {@link #environment()}); empty when the fixture has no running leader (an archive-only method).
     */
    Optional<String> sourceConnectionString();

    /** The system identifier every copy must have: the source cluster's. */
    String sourceSystemIdentifier();

    /** A new, empty directory owned by the database OS user (mode 0700), as the engine hands one to a method. */
    Path newDataDirectory(String name);

    /** Where the copy may be started for the kit's check, with its socket and log. */
    Path workDirectory();

    /** The plugin context to create the method with; its command runner runs programs as the database user. */
    PluginContext context();

    /** Where PostgreSQL's programs are. */
    Path binDirectory();

    /** Environment for the method's programs ({@code PGPASSFILE}, ...). */
    default Map<String, String> environment() {
        return Map.of("LC_MESSAGES", "C");
    }

    /** How long one run may take. */
    default Duration timeout() {
        return Duration.ofMinutes(5);
    }

    /**
     * Server parameters to start a finished copy with as a standby, in addition to {@code primary_conninfo} (set by
     * the kit when there is a source). A method that restores from an archive has usually configured its
     * {@code restore_command} already.
     */
    default Map<String, String> standbyParameters() {
        return Map.of();
    }

    @Override
    void close();
}
