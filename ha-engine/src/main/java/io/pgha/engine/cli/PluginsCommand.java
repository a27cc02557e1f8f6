package io.pgha.engine.cli;

import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.engine.plugin.PluginsDirectory;
import io.pgha.spi.PghaException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pgha plugins}: every provider the engine would load, one per line — kind, name, plugin, plugin version,
 * SPI version, jar (relative to the plugins directory). Exit 1, with the reason, when loading would be refused.
 */
@Command(mixinStandardHelpOptions = true, name = "plugins", description = "List the providers found on the class path and in the plugins directory.")
public final class PluginsCommand implements Callable<Integer> {

    /** {@code --plugins-dir}, shared by every command that loads plugins. */
    public static final class PluginsDirOption {
        @Option(names = "--plugins-dir", paramLabel = "DIR",
                description = "Plugins directory (one sub-directory per plugin). Default: $PGHA_PLUGINS_DIR, "
                        + "else $PGHA_HOME/plugins; without any, only the class path is searched.")
        Path dir;

        /** The directory to search, from the option or the environment; empty for class path only. */
        public Optional<Path> resolve(Map<String, String> env) {
            return PluginsDirectory.resolve(dir, env);
        }
    }

    @Mixin
    PluginsDirOption pluginsDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Path> dir = pluginsDir.resolve(System.getenv());
        try (PluginRegistry registry = PluginRegistry.load(dir)) {
            out.println("plugins directory: " + dir.map(d -> Files.isDirectory(d) ? d.toString()
                    : d + " (absent: class path only)").orElse("none (class path only)"));
            if (registry.all().isEmpty()) {
                out.println("no providers found");
            } else {
                printTable(out, dir, registry.all());
            }
            out.flush();
            return 0;
        } catch (PghaException e) {
            err.println("pgha plugins: refused [" + e.code() + "]: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    private static void printTable(PrintWriter out, Optional<Path> dir, List<LoadedProvider<?>> providers) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "NAME", "PLUGIN", "VERSION", "SPI", "JAR"});
        for (LoadedProvider<?> p : providers) {
            rows.add(new String[] {p.kind().id(), p.name(), p.pluginName(), p.pluginVersion(),
                    p.spiVersion().toString(), jar(dir, p)});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            out.println(line);
        }
    }

    private static String jar(Optional<Path> dir, LoadedProvider<?> p) {
        if (p.fromClassPath() || dir.isEmpty()) {
            return p.location();
        }
        Path jar = Path.of(p.location());
        return jar.startsWith(dir.get()) ? dir.get().relativize(jar).toString() : jar.toString();
    }
}
