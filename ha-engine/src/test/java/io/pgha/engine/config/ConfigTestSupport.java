package io.pgha.engine.config;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Shared helpers for the configuration tests. */
final class ConfigTestSupport {
    private ConfigTestSupport() {
    }

    /** A small complete configuration; tests patch their own keys over it. */
    static final String MINIMAL = """
            scope: unit
            name: unit-1
            restapi:
              listen: 127.0.0.1:8008
              connect_address: 127.0.0.1:8008
            etcd3:
              hosts: 127.0.0.1:2379
            postgresql:
              listen: 127.0.0.1:5432
              connect_address: 127.0.0.1:5432
              data_dir: /tmp/unit-data
              authentication:
                superuser:
                  username: unit_su
                  password: unit-su-secret
                replication:
                  username: unit_repl
                  password: unit-repl-secret
            """;

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String text) {
        if (text.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            Object v = YamlSource.parseValue(text);
            return v == null ? new LinkedHashMap<>() : (Map<String, Object>) Trees.copy(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #MINIMAL} with {@code overlay} patched over it (a null value removes a key). */
    static Map<String, Object> minimalWith(String overlay) {
        Map<String, Object> tree = yaml(MINIMAL);
        Trees.patch(tree, yaml(overlay));
        return tree;
    }

    static LoadedConfig load(Map<String, Object> tree) {
        return new ConfigLoader(Map.of(), Set.of()).forReadingOnly().load(tree);
    }

    static LoadedConfig load(Map<String, Object> tree, Map<String, String> env) {
        return new ConfigLoader(env, Set.of()).forReadingOnly().load(tree);
    }

    /** Loads {@code tree} expecting failure; returns every problem. */
    static List<ConfigProblem> problems(Map<String, Object> tree) {
        return problems(tree, Map.of());
    }

    static List<ConfigProblem> problems(Map<String, Object> tree, Map<String, String> env) {
        try {
            LoadedConfig loaded = load(tree, env);
            return fail("expected InvalidConfigException, loaded with warnings " + loaded.warnings());
        } catch (InvalidConfigException e) {
            return e.problems();
        }
    }

    /** The single error at {@code path}; fails listing all problems when there is none. */
    static ConfigProblem errorAt(List<ConfigProblem> problems, String path) {
        return problems.stream().filter(p -> p.isError() && p.path().equals(path)).findFirst()
                .orElseGet(() -> fail("no error at '" + path + "' in:\n" + describe(problems)));
    }

    static ConfigProblem warningAt(List<ConfigProblem> problems, String path) {
        return problems.stream().filter(p -> !p.isError() && p.path().equals(path)).findFirst()
                .orElseGet(() -> fail("no warning at '" + path + "' in:\n" + describe(problems)));
    }

    static void assertMentions(ConfigProblem p, String... fragments) {
        for (String f : fragments) {
            assertTrue(p.message().contains(f), () -> "message of " + p.path() + " should mention '" + f + "': " + p.message());
        }
    }

    static String describe(List<ConfigProblem> problems) {
        return problems.stream().map(p -> "  " + p.severity() + " " + p).collect(Collectors.joining("\n"));
    }

    static Path resource(String name) {
        try {
            return Path.of(ConfigTestSupport.class.getResource("/config/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Variables from a fixture's {@code .env} sidecar (KEY=VALUE lines, # comments), if it has one. */
    static Map<String, String> sidecarEnvironment(Path fixture) {
        String base = fixture.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        Path env = fixture.resolveSibling(base + ".env");
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(env)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(env)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int eq = line.indexOf('=');
                out.put(line.substring(0, eq).trim(), line.substring(eq + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static Optional<Path> path(Path p) {
        return Optional.of(p);
    }
}
