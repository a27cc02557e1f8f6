package io.pgha.testkit.bootstrap;

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

/**
 * A {@link BootstrapKitFixture} with a private scratch directory (world-traversable, so the database user reaches
 * inside) removed on close; subclasses name the provider and its options.
 *
 * @since 1.0
 */
public abstract class ScratchBootstrapFixture implements BootstrapKitFixture {
    private final Path root;

    protected ScratchBootstrapFixture() {
        try {
            root = Files.createTempDirectory("pgha-bootstrap-kit-");
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Path workDirectory() {
        return root;
    }

    @Override
    public Path newDataDirectory(String name) {
        try {
            return PostgresProcess.databaseUserDirectory(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public PluginContext context() {
        return FakePluginContext.builder().scope("kit").memberName("kit-bootstrap")
                .commands(new DatabaseUserCommandRunner()).build();
    }

    @Override
    public String describe() {
        return provider().name() + " in " + root;
    }

    @Override
    public void close() {
        TempDirectories.deleteTree(root);
    }
}
