package io.pgha.engine.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until implemented. */
@Command(name = "plugins", description = "not implemented yet")
public final class PluginsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("not implemented yet");
        return 1;
    }
}
