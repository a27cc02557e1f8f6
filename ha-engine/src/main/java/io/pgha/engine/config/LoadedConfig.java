package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A configuration that loaded without errors.
 *
 * @param config the typed configuration
 * @param warnings problems that do not stop the agent (unknown keys, ignored settings, ...)
 * @param tree the merged document (file or directory, then environment), unmodifiable; secrets included, see
 *        {@link #maskedTree()}
 */
public record LoadedConfig(PghaConfig config, List<ConfigProblem> warnings, Map<String, Object> tree) {

    public LoadedConfig {
        Objects.requireNonNull(config, "config is null");
        warnings = List.copyOf(warnings);
        tree = Trees.frozenMap(tree);
    }

    /** The merged document with passwords, tokens and other credentials replaced by {@link Secret#MASK}. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> maskedTree() {
        return (Map<String, Object>) Trees.frozen(Trees.masked(tree));
    }

    /** {@link #maskedTree()} as a YAML document. */
    public String maskedYaml() {
        try {
            return YamlSource.YAML.writeValueAsString(maskedTree());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render the configuration as YAML", e);
        }
    }

    @Override
    public String toString() {
        return "LoadedConfig[config=" + config + ", warnings=" + warnings + ", tree=" + maskedTree() + "]";
    }
}
