package io.pgha.testkit.replica;

import io.pgha.spi.PluginContext;
import io.pgha.testkit.DatabaseUserCommandRunner;
import io.pgha.testkit.FakePluginContext;
import io.pgha.testkit.TempDirectories;
import io.pgha.testkit.server.PostgresProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The usual source for {@link ReplicaMethodContractKit}: a real PostgreSQL primary (initdb, trust authentication,
 * superuser {@code postgres}, {@code wal_level=replica}) in a private temporary directory, with a table of rows so
 * that a copy is a copy of something. Subclasses name the provider and its options; {@link #sourceParameters()} and
 * {@link #afterSourceStarted()} let them archive into a repository or take backups first.
 *
 * <p>Call {@link #start()} from the kit's {@code createFixture()}. Not thread-safe.
 *
 * @since 1.0
 */
public abstract class PostgresSourceFixture implements ReplicaKitFixture {
    private Path root;
    private PostgresProcess source;
    private String systemIdentifier;
    private boolean leaderRunning = true;

    /** Extra parameters of the source primary ({@code archive_command}, ...). */
    protected Map<String, String> sourceParameters() {
        return Map.of();
    }

    /** Runs once the source is up and has its rows (take a backup, create a stanza, ...). */
    protected void afterSourceStarted() {
    }

    /** Creates the scratch directory and starts the source. */
    public final PostgresSourceFixture start() {
        try {
            root = Files.createTempDirectory("pgha-replica-kit-");
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("wal_level", "replica");
        parameters.put("max_wal_senders", "5");
        parameters.putAll(sourceParameters());
        source = PostgresProcess.on(root.resolve("source"), root, parameters);
        source.initdb().start(Duration.ofSeconds(60));
        source.sql("CREATE TABLE kit_rows(id int PRIMARY KEY, note text);"
                + " INSERT INTO kit_rows SELECT g, 'row ' || g FROM generate_series(1, 1000) g");
        systemIdentifier = source.sql("SELECT system_identifier FROM pg_control_system()");
        afterSourceStarted();
        return this;
    }

    /** The running source. */
    public final PostgresProcess source() {
        if (source == null) {
            throw new IllegalStateException("start() was not called");
        }
        return source;
    }

    /** The fixture's private scratch directory (world-traversable, so the database user reaches inside). */
    public final Path root() {
        return root;
    }

    /**
     * Stops the source for good: from then on {@link #sourceConnectionString()} is empty, as for a cluster whose
     * leader is down. For archive-only methods.
     */
    protected final void stopSource() {
        source().stop();
        leaderRunning = false;
    }

    @Override
    public Optional<String> sourceConnectionString() {
        return leaderRunning ? Optional.of(source().connectionString("postgres")) : Optional.empty();
    }

    @Override
    public String sourceSystemIdentifier() {
        return systemIdentifier;
    }

    @Override
    public Path newDataDirectory(String name) {
        try {
            Path dir = root.resolve(name);
            if (Files.exists(dir)) {
                throw new IllegalArgumentException(dir + " exists already");
            }
            return PostgresProcess.databaseUserDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Path workDirectory() {
        return root;
    }

    @Override
    public PluginContext context() {
        return FakePluginContext.builder().scope("kit").memberName("kit-replica")
                .commands(new DatabaseUserCommandRunner()).build();
    }

    @Override
    public Path binDirectory() {
        return PostgresProcess.DEFAULT_BIN;
    }

    @Override
    public String describe() {
        return provider().name() + " from PostgreSQL on port " + (source == null ? "?" : source.port());
    }

    @Override
    public void close() {
        try {
            if (source != null) {
                source.stop();
            }
        } finally {
            if (root != null) {
                TempDirectories.deleteTree(root);
            }
        }
    }
}
