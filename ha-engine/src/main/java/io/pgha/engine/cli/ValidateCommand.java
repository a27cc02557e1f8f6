package io.pgha.engine.cli;

import io.pgha.engine.config.ConfigLoader;
import io.pgha.engine.config.DcsSelection;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pgha validate [<file-or-dir>]}: loads a Patroni-format configuration as the agent would (environment
 * included) and reports every problem. Exit code 0 when it is usable (warnings go to stderr), 1 otherwise.
 */
@Command(mixinStandardHelpOptions = true, name = "validate", description = {
        "Check a Patroni-format configuration file, or a directory of *.yml/*.yaml files merged in name order.",
        "Without a path, PATRONI_CONFIGURATION or the PATRONI_* environment variables are checked.",
        "Exit code 0 when the configuration is usable (warnings are printed to stderr), 1 when it is not."})
public final class ValidateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<file-or-dir>", description = "configuration file or directory")
    private Path path;

    @Option(names = "--print", description = "print the effective configuration as YAML, secrets masked")
    private boolean print;

    @Option(names = "--ignore-env", description = "ignore PATRONI_* environment variables")
    private boolean ignoreEnvironment;

    @picocli.CommandLine.Mixin
    private PluginsCommand.PluginsDirOption pluginsDir = new PluginsCommand.PluginsDirOption();

    private Map<String, String> environment = System.getenv();
    private Set<String> extraDcsSectionNames = Set.of();
    private Function<DcsSelection, List<ConfigProblem>> dcsValidator;

    /** Lets the selected DCS provider check its own section (default: no extra checks). */
    public void setDcsValidator(Function<DcsSelection, List<ConfigProblem>> dcsValidator) {
        this.dcsValidator = Objects.requireNonNull(dcsValidator, "dcsValidator is null");
    }

    /** Section names of installed DCS plugins, accepted besides the built-in ones. */
    public void setExtraDcsSectionNames(Set<String> names) {
        this.extraDcsSectionNames = Set.copyOf(names);
    }

    /** The environment to read {@code PATRONI_*} variables from (the process environment by default). */
    public void setEnvironment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String source = path == null ? "from the environment" : path.toString();
        if (dcsValidator == null) {
            useInstalledDcsProviders();
        }
        ConfigLoader loader = new ConfigLoader(ignoreEnvironment ? Map.of() : environment, extraDcsSectionNames)
                .withDcsValidator(dcsValidator);
        try {
            LoadedConfig loaded = loader.load(Optional.ofNullable(path));
            List<ConfigProblem> methodProblems = methodChecks(loaded);
            if (methodProblems.stream().anyMatch(ConfigProblem::isError)) {
                throw new InvalidConfigException(methodProblems);
            }
            for (ConfigProblem w : loaded.warnings()) {
                err.println(line("warning", w));
            }
            for (ConfigProblem w : methodProblems) {
                err.println(line("warning", w));
            }
            out.println("configuration " + source + " is valid");
            if (print) {
                out.print(loaded.maskedYaml());
            }
            return 0;
        } catch (InvalidConfigException e) {
            long errors = e.problems().stream().filter(ConfigProblem::isError).count();
            for (ConfigProblem p : e.problems()) {
                if (p.isError()) {
                    err.println(line("error", p));
                }
            }
            for (ConfigProblem p : e.problems()) {
                if (!p.isError()) {
                    err.println(line("warning", p));
                }
            }
            err.println("configuration " + source + " is invalid: " + errors + (errors == 1 ? " error" : " errors"));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The replica and bootstrap methods against the installed plugins. */
    private List<ConfigProblem> methodChecks(LoadedConfig loaded) {
        try (io.pgha.engine.plugin.PluginRegistry registry = io.pgha.engine.plugin.PluginRegistry.load(
                pluginsDir.resolve(environment))) {
            return io.pgha.engine.methods.MethodChecks.check(loaded.config(), loaded.tree(), registry);
        }
    }

    /** Lets the installed DCS plugin check its own section; a section without an installed plugin is a warning. */
    private void useInstalledDcsProviders() {
        io.pgha.engine.plugin.PluginRegistry registry = io.pgha.engine.plugin.PluginRegistry.load(
                pluginsDir.resolve(environment));
        java.util.Set<String> names = new java.util.HashSet<>(extraDcsSectionNames);
        names.addAll(registry.names(io.pgha.engine.plugin.PluginKind.DCS));
        extraDcsSectionNames = Set.copyOf(names);
        dcsValidator = dcs -> registry.find(io.pgha.engine.plugin.PluginKind.DCS, dcs.name())
                .map(p -> p.call(provider -> provider.validate(dcs.section())).stream()
                        .map(problem -> problem.path().startsWith(dcs.name()) ? problem : problem.under(dcs.name()))
                        .toList())
                .orElseGet(() -> List.of(ConfigProblem.warning(dcs.name(), "no DCS provider '" + dcs.name()
                        + "' is installed, so this section was not checked (install the "
                        + io.pgha.engine.plugin.PluginKind.DCS.suggestedPlugin(dcs.name()) + " plugin)")));
    }

    private static String line(String kind, ConfigProblem p) {
        return kind + ": " + (p.path().isEmpty() ? "(top level)" : p.path()) + ": " + p.message();
    }
}
