package io.pgha.engine.cli;

import io.pgha.engine.Versions;
import io.pgha.spi.SpiVersion;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pgha version}: the engine's version, the SPI version it implements and the Patroni version it follows. */
@Command(mixinStandardHelpOptions = true, name = "version", description = "Print pgha's version, its SPI version and the Patroni version it is compatible with.")
public final class VersionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : lines()) {
            out.println(line);
        }
        out.flush();
        return 0;
    }

    static String[] lines() {
        return new String[] {"pgha " + Versions.engine(), "SPI " + SpiVersion.CURRENT,
                "Patroni-compatible " + Versions.PATRONI_COMPATIBLE, "Java " + Runtime.version()};
    }

    /** Feeds {@code pgha --version}. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
