package io.pgha.engine.config;

import io.pgha.spi.ConfigSection;
import java.util.Objects;

/**
 * The one DCS section of the configuration ({@code etcd3:}, {@code zookeeper:}, a plugin's section, ...), handed
 * unparsed to the provider of that name.
 *
 * @param name the section name, which is also the provider name
 * @param section its contents, with paths rooted at {@code name}
 */
public record DcsSelection(String name, ConfigSection section) {
    public DcsSelection {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(section, "section is null");
    }
}
