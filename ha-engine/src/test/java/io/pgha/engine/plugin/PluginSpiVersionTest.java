package io.pgha.engine.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.PghaException;
import io.pgha.spi.SpiVersion;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The engine refuses plugins built for an SPI it cannot run")
class PluginSpiVersionTest {

    @TempDir
    Path plugins;

    private PghaException refusal() {
        return assertThrows(PghaException.class,
                () -> PluginRegistry.load(Optional.of(plugins), ClassLoader.getPlatformClassLoader()).close());
    }

    @ParameterizedTest(name = "Pgha-Spi-Version {0}")
    @ValueSource(strings = {"2.0", "1.99"})
    @DisplayName("a newer SPI (major or minor) is refused, naming plugin, jar and both versions")
    void newerSpiRefused(String spi) {
        Path jar = TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-future", "future", "9.0", "lib-9")
                .withSpi(spi));
        PghaException e = refusal();
        assertEquals(PluginErrors.PLUGIN_INCOMPATIBLE, e.code());
        String m = e.getMessage();
        assertTrue(m.contains("'dcs-future'"), m);
        assertTrue(m.contains(jar.toAbsolutePath().toString()), m);
        assertTrue(m.contains("built for SPI " + spi), m);
        assertTrue(m.contains("implements SPI " + SpiVersion.CURRENT), m);
    }

    @Test
    @DisplayName("a plugin jar without Pgha-Spi-Version is refused")
    void missingSpiVersionRefused() {
        Path jar = TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-old", "old", "0.1", "lib-0")
                .withSpi(null));
        PghaException e = refusal();
        assertEquals(PluginErrors.PLUGIN_INCOMPATIBLE, e.code());
        assertTrue(e.getMessage().contains("'dcs-old'"), e.getMessage());
        assertTrue(e.getMessage().contains(jar.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(SpiVersion.MANIFEST_ATTRIBUTE), e.getMessage());
    }

    @Test
    @DisplayName("every incompatible plugin is reported at once; a compatible one alongside does not hide them")
    void allReported() {
        TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-future", "future", "9.0", "lib-9").withSpi("2.0"));
        TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-garbled", "garbled", "1.0", "lib-1").withSpi("one"));
        TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-fine", "fine", "1.0", "lib-1"));
        PghaException e = refusal();
        assertEquals(PluginErrors.PLUGIN_INCOMPATIBLE, e.code());
        assertTrue(e.getMessage().startsWith("2 plugin problems"), e.getMessage());
        assertTrue(e.getMessage().contains("'dcs-future'") && e.getMessage().contains("'dcs-garbled'"),
                e.getMessage());
    }

    @Test
    @DisplayName("an older minor of the same major is accepted")
    void olderMinorAccepted() {
        TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-fine", "fine", "1.0", "lib-1")
                .withSpi(SpiVersion.CURRENT.major() + ".0"));
        try (PluginRegistry r = PluginRegistry.load(Optional.of(plugins), ClassLoader.getPlatformClassLoader())) {
            assertEquals(new SpiVersion(SpiVersion.CURRENT.major(), 0), r.dcs("fine").spiVersion());
        }
    }
}
