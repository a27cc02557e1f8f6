package io.pgha.engine.agent;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsTimings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The engine's {@link DcsContext} (and plugin context) for one agent. */
record EngineContext(String memberName, String scope, String namespace, Path stateRoot, String plugin,
        CommandRunner commands, DcsTimings timings) implements DcsContext {

    @Override
    public Path stateDirectory() {
        Path dir = stateRoot.resolve(plugin);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + dir + " of plugin " + plugin, e);
        }
        return dir;
    }

    EngineContext forPlugin(String name) {
        return new EngineContext(memberName, scope, namespace, stateRoot, name, commands, timings);
    }
}
