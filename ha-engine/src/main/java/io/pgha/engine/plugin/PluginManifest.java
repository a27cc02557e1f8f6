package io.pgha.engine.plugin;

import io.pgha.spi.SpiVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * What a jar's (or a classes directory's) manifest says about the plugin in it. Absent attributes are empty.
 *
 * @param pluginName {@code Pgha-Plugin-Name}
 * @param pluginVersion {@code Pgha-Plugin-Version}, else {@code Implementation-Version}
 * @param spiVersion {@code Pgha-Spi-Version}, unparsed
 * @param title {@code Implementation-Title}
 */
record PluginManifest(Optional<String> pluginName, Optional<String> pluginVersion, Optional<String> spiVersion,
        Optional<String> title) {

    static final String PLUGIN_NAME = "Pgha-Plugin-Name";
    static final String PLUGIN_VERSION = "Pgha-Plugin-Version";

    static final PluginManifest NONE = new PluginManifest(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty());

    /** Reads the manifest of a jar, or {@code META-INF/MANIFEST.MF} under a classes directory; {@link #NONE} if none. */
    static PluginManifest read(Path codeSource) throws IOException {
        if (Files.isDirectory(codeSource)) {
            Path mf = codeSource.resolve(JarFile.MANIFEST_NAME);
            if (!Files.isRegularFile(mf)) {
                return NONE;
            }
            try (InputStream in = Files.newInputStream(mf)) {
                return of(new Manifest(in));
            }
        }
        try (JarFile jar = new JarFile(codeSource.toFile())) {
            Manifest m = jar.getManifest();
            return m == null ? NONE : of(m);
        }
    }

    private static PluginManifest of(Manifest m) {
        Attributes a = m.getMainAttributes();
        Optional<String> version = attr(a, PLUGIN_VERSION).or(() -> attr(a, "Implementation-Version"));
        return new PluginManifest(attr(a, PLUGIN_NAME), version, attr(a, SpiVersion.MANIFEST_ATTRIBUTE),
                attr(a, "Implementation-Title"));
    }

    private static Optional<String> attr(Attributes a, String name) {
        return Optional.ofNullable(a.getValue(name)).map(String::trim).filter(s -> !s.isEmpty());
    }
}
