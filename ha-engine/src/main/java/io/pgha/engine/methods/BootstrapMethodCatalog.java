package io.pgha.engine.methods;

import io.pgha.engine.config.BootstrapConfig;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.ProgramOptions;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which provider creates a new cluster for {@code bootstrap.method}: {@code initdb} (the default) is the
 * {@code bootstrap-initdb} plugin with {@code bootstrap.initdb}; a custom method whose {@code bootstrap.<method>}
 * section has a {@code command} is Patroni's custom bootstrap, run by the {@value #COMMAND_PROVIDER} method; any
 * other name must be a plugin's. There is no fallback to initdb: with a method nothing can run, the bootstrap fails.
 * Immutable and thread-safe.
 */
public final class BootstrapMethodCatalog {
    /** The name of the command-running bootstrap method ({@code bootstrap-command} plugin). */
    public static final String COMMAND_PROVIDER = "command";

    private final PluginRegistry plugins;

    public BootstrapMethodCatalog(PluginRegistry plugins) {
        this.plugins = Objects.requireNonNull(plugins, "plugins is null");
    }

    /** The provider and options for the configured method. */
    public record Choice(String method, LoadedProvider<BootstrapMethodProvider> provider, ConfigSection options) {
        public Choice {
            Objects.requireNonNull(method, "method is null");
            Objects.requireNonNull(provider, "provider is null");
            Objects.requireNonNull(options, "options is null");
        }
    }

    /**
     * The provider for {@code bootstrap.method}.
     *
     * @param tree the whole configuration document, for the list form of {@code bootstrap.initdb}
     * @throws PghaException {@code PLUGIN_UNKNOWN} naming what is available and what to install
     */
    public Choice choose(BootstrapConfig config, Map<String, Object> tree) {
        String method = config.method();
        if (method.equals(BootstrapConfig.INITDB)) {
            Object bootstrap = tree.get("bootstrap");
            Object raw = bootstrap instanceof Map<?, ?> m ? m.get(BootstrapConfig.INITDB) : null;
            return new Choice(method, plugins.bootstrapMethod(method), ProgramOptions.section("bootstrap.initdb", raw));
        }
        ConfigSection section = config.methodSection(method);
        if (section.has("command")) {
            return new Choice(method, plugins.get(PluginKind.BOOTSTRAP_METHOD, COMMAND_PROVIDER), section);
        }
        return new Choice(method, plugins.bootstrapMethod(method), section);
    }

    /**
     * Problems with the configured method: options its provider rejects, and a method nothing can run — a warning,
     * as for a DCS section whose plugin is missing: only the member that wins the initialize race needs it, and that
     * member fails its bootstrap with this same message and releases the initialize key.
     */
    public List<ConfigProblem> check(BootstrapConfig config, Map<String, Object> tree) {
        List<ConfigProblem> problems = new ArrayList<>();
        Choice choice;
        try {
            choice = choose(config, tree);
        } catch (PghaException e) {
            problems.add(ConfigProblem.warning("bootstrap.method", "cannot create a new cluster with method "
                    + config.method() + ": " + e.getMessage()));
            return problems;
        }
        for (ConfigProblem p : choice.provider().call(p -> p.validate(choice.options()))) {
            problems.add(p.path().startsWith(choice.options().path()) ? p : p.under(choice.options().path()));
        }
        return problems;
    }
}
