package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Loads a member's configuration the way Patroni does, and checks all of it.
 *
 * <p>Sources, first that applies: the given file, or directory of {@code *.yml}/{@code *.yaml} files merged in name
 * order (a {@code null} value in a later file removes the key); else the YAML document in
 * {@code PATRONI_CONFIGURATION}; else the environment alone. {@code PATRONI_*} variables are then patched over a
 * file or directory (the environment wins); as in Patroni they are not applied over {@code PATRONI_CONFIGURATION},
 * which is the whole configuration.
 *
 * <p>Either everything loads or {@link #load} throws {@link InvalidConfigException} carrying every problem found,
 * errors and warnings, each with its dotted key path; a problem on a value set by an environment variable names it.
 * Unknown keys are warnings. Immutable and thread-safe.
 */
public final class ConfigLoader {
    private final Map<String, String> environment;
    private final Set<String> dcsSectionNames;
    private final Function<DcsSelection, List<ConfigProblem>> dcsValidator;
    private final boolean strictTimings;
    /** Whether the configuration is meant to run a member: then what this version does not act on is reported. */
    private final boolean forRunning;

    /**
     * @param environment the process environment (only {@code PATRONI_*} variables are read); injectable for tests
     * @param extraDcsSectionNames section names of DCS plugins beyond the built-in ones
     */
    public ConfigLoader(Map<String, String> environment, Set<String> extraDcsSectionNames) {
        this(Map.copyOf(Objects.requireNonNull(environment, "environment is null")),
                union(Objects.requireNonNull(extraDcsSectionNames, "extraDcsSectionNames is null")), s -> List.of(),
                true, true);
    }

    private ConfigLoader(Map<String, String> environment, Set<String> dcsSectionNames,
            Function<DcsSelection, List<ConfigProblem>> dcsValidator, boolean strictTimings, boolean forRunning) {
        this.environment = environment;
        this.dcsSectionNames = dcsSectionNames;
        this.dcsValidator = dcsValidator;
        this.strictTimings = strictTimings;
        this.forRunning = forRunning;
    }

    private static Set<String> union(Set<String> extra) {
        Set<String> all = new TreeSet<>(PghaConfig.BUILT_IN_DCS);
        all.addAll(extra);
        return Collections.unmodifiableSet(all);
    }

    /**
     * A loader that also lets the DCS provider check its section (typically {@code provider.validate(section)}).
     * Its problems may be relative to the section ({@code hosts}) or absolute ({@code etcd3.hosts}); an exception
     * from it is reported as an error on the section.
     */
    public ConfigLoader withDcsValidator(Function<DcsSelection, List<ConfigProblem>> validator) {
        return new ConfigLoader(environment, dcsSectionNames, Objects.requireNonNull(validator, "validator is null"),
                strictTimings, forRunning);
    }

    /**
     * A loader that treats {@code bootstrap.dcs} timings as Patroni does at runtime: values below their minimum and a
     * {@code ttl} shorter than {@code loop_wait + 2 * retry_timeout} are warnings and get adjusted, instead of
     * errors. By default (and in {@code pgha validate}) they are errors, like Patroni's {@code --validate-config}.
     */
    public ConfigLoader withRuntimeTimings() {
        return new ConfigLoader(environment, dcsSectionNames, dcsValidator, false, forRunning);
    }

    /**
     * A loader for tools that only read the file (a control tool looking for the DCS section, a parser test): the
     * settings this version does not act on ({@link NotActedOn}) are not reported, since nothing is run from them.
     * The agent and {@code pgha validate} always report them.
     */
    public ConfigLoader forReadingOnly() {
        return new ConfigLoader(environment, dcsSectionNames, dcsValidator, strictTimings, false);
    }

    /**
     * The document of a configuration file or directory, unvalidated, for tools that need only a few of its keys (a
     * control tool's scope, DCS section and credentials).
     *
     * @throws InvalidConfigException when it cannot be read or is not YAML
     */
    public static Map<String, Object> readDocument(Path fileOrDirectory) {
        List<ConfigProblem> problems = new ArrayList<>();
        Optional<Map<String, Object>> doc = YamlSource.readPath(fileOrDirectory, problems);
        if (doc.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return doc.get();
    }

    /** Every DCS section name this loader accepts. */
    public Set<String> dcsSectionNames() {
        return dcsSectionNames;
    }

    /**
     * Loads from a file or directory, or when empty from {@code PATRONI_CONFIGURATION} or the environment.
     *
     * @throws InvalidConfigException when the source cannot be read or the configuration has any error
     */
    public LoadedConfig load(Optional<Path> fileOrDirectory) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (fileOrDirectory.isPresent()) {
            Optional<Map<String, Object>> doc = YamlSource.readPath(fileOrDirectory.get(), problems);
            if (doc.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            return finish(doc.get(), true, problems);
        }
        String inline = environment.get(EnvironmentConfig.CONFIGURATION);
        if (inline != null && !inline.isBlank()) {
            Optional<Map<String, Object>> doc = YamlSource.readText(inline,
                    "environment variable " + EnvironmentConfig.CONFIGURATION, problems);
            if (doc.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            return finish(doc.get(), false, problems);
        }
        return finish(new LinkedHashMap<>(), true, problems);
    }

    /**
     * Loads an already-parsed document as if it were the file's contents (environment variables are patched over
     * it). The map is not modified.
     *
     * @throws InvalidConfigException when the configuration has any error
     */
    public LoadedConfig load(Map<String, Object> tree) {
        return finish(Trees.copyMap(Objects.requireNonNull(tree, "tree is null")), true, new ArrayList<>());
    }

    private LoadedConfig finish(Map<String, Object> document, boolean applyEnvironment, List<ConfigProblem> problems) {
        Map<String, String> origins = Map.of();
        if (applyEnvironment) {
            EnvironmentConfig.Result env = EnvironmentConfig.build(environment, dcsSectionNames, document.keySet());
            Trees.patch(document, env.tree());
            problems.addAll(env.problems());
            origins = env.origins();
        }
        // frozen first: the sections handed to plugins share its nested maps
        Map<String, Object> frozen = Trees.frozenMap(document);
        PghaConfig config = PghaConfig.read(frozen, dcsSectionNames, strictTimings, problems);
        if (forRunning) {
            problems.addAll(NotActedOn.check(config, frozen));
        }
        if (!config.dcs().name().equals("none")) {
            problems.addAll(providerProblems(config.dcs()));
        }
        List<ConfigProblem> annotated = annotate(problems, origins);
        if (annotated.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(annotated);
        }
        return new LoadedConfig(config, annotated, frozen);
    }

    private List<ConfigProblem> providerProblems(DcsSelection dcs) {
        List<ConfigProblem> out = new ArrayList<>();
        try {
            List<ConfigProblem> found = dcsValidator.apply(dcs);
            for (ConfigProblem p : found == null ? List.<ConfigProblem>of() : found) {
                String path = p.path();
                boolean absolute = path.equals(dcs.name()) || path.startsWith(dcs.name() + ".")
                        || path.startsWith(dcs.name() + "[");
                out.add(absolute ? p : p.under(dcs.name()));
            }
        } catch (RuntimeException e) {
            out.add(ConfigProblem.error(dcs.name(), "the " + dcs.name() + " provider failed while checking its"
                    + " section: " + e));
        }
        return out;
    }

    /** Adds the environment variable behind a value to problems about it. */
    private static List<ConfigProblem> annotate(List<ConfigProblem> problems, Map<String, String> origins) {
        if (origins.isEmpty()) {
            return problems;
        }
        List<ConfigProblem> out = new ArrayList<>(problems.size());
        for (ConfigProblem p : problems) {
            if (p.path().isEmpty() || p.message().contains("environment variable")) {
                out.add(p);
                continue;
            }
            List<String> vars = new ArrayList<>();
            List<String> inside = new ArrayList<>();
            for (Map.Entry<String, String> o : origins.entrySet()) {
                if (within(p.path(), o.getKey())) {
                    vars.add(o.getValue());
                } else if (within(o.getKey(), p.path())) {
                    inside.add(o.getValue());
                }
            }
            String note = !vars.isEmpty() ? " (set by environment variable" + (vars.size() > 1 ? "s " : " ")
                    + String.join(", ", vars) + ")"
                    : !inside.isEmpty() ? " (values here come from environment variable" + (inside.size() > 1 ? "s " : " ")
                            + String.join(", ", inside) + ")" : "";
            out.add(note.isEmpty() ? p : new ConfigProblem(p.path(), p.message() + note, p.severity()));
        }
        return out;
    }

    private static boolean within(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + ".") || path.startsWith(prefix + "[");
    }
}
