package io.pgha.engine.plugin;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where plugins are installed: the {@code --plugins-dir} option, else {@code $PGHA_PLUGINS_DIR}, else
 * {@code $PGHA_HOME/plugins} ({@code bin/pgha} sets {@code PGHA_HOME}); none of them means class path only.
 */
public final class PluginsDirectory {
    public static final String ENV_PLUGINS_DIR = "PGHA_PLUGINS_DIR";
    public static final String ENV_HOME = "PGHA_HOME";

    private PluginsDirectory() {
    }

    /**
     * @param option the command-line option, or {@code null}
     * @param env the environment ({@code System.getenv()})
     */
    public static Optional<Path> resolve(Path option, Map<String, String> env) {
        Objects.requireNonNull(env, "env is null");
        if (option != null) {
            return Optional.of(option.toAbsolutePath().normalize());
        }
        String dir = env.get(ENV_PLUGINS_DIR);
        if (dir != null && !dir.isBlank()) {
            return Optional.of(Path.of(dir).toAbsolutePath().normalize());
        }
        String home = env.get(ENV_HOME);
        if (home != null && !home.isBlank()) {
            return Optional.of(Path.of(home, "plugins").toAbsolutePath().normalize());
        }
        return Optional.empty();
    }
}
