package io.pgha.spi.dcs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The dynamic configuration stored in the {@code config} key ({@code ttl}, {@code loop_wait},
 * {@code postgresql.parameters}, ...), as a JSON object.
 *
 * @param version the key's version, for compare-and-set ({@link Precondition#version})
 * @param data the JSON object, unmodifiable
 * @since 1.0
 */
public record ClusterConfig(long version, Map<String, Object> data) {
    public ClusterConfig {
        data = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(data, "data is null")));
    }
}
