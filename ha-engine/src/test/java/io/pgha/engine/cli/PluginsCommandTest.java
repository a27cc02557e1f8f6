package io.pgha.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.TestPlugins;
import io.pgha.spi.SpiVersion;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pgha plugins")
class PluginsCommandTest {

    @TempDir
    Path plugins;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out), new PrintWriter(err), args);
    }

    @Test
    @DisplayName("prints one row per provider with kind, name, plugin, version, SPI and jar")
    void table() {
        TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-alpha", "alpha", "1.2.3", "lib-1.0"));
        TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-beta", "beta", "4.5.6", "lib-2.0")
                .withProvider("beta-copy", PluginKind.REPLICA_METHOD));

        assertEquals(0, run("plugins", "--plugins-dir", plugins.toString()), err.toString());

        List<String> lines = Arrays.asList(out.toString().split("\\R"));
        assertEquals("plugins directory: " + plugins.toAbsolutePath().normalize(), lines.get(0));
        assertEquals(List.of("KIND", "NAME", "PLUGIN", "VERSION", "SPI", "JAR"), columns(lines.get(1)));
        String spi = SpiVersion.CURRENT.toString();
        assertTrue(lines.stream().map(PluginsCommandTest::columns).anyMatch(List.of("dcs", "alpha", "dcs-alpha",
                "1.2.3", spi, "dcs-alpha/dcs-alpha-1.2.3.jar")::equals), out.toString());
        assertTrue(lines.stream().map(PluginsCommandTest::columns).anyMatch(List.of("dcs", "beta", "dcs-beta",
                "4.5.6", spi, "dcs-beta/dcs-beta-4.5.6.jar")::equals), out.toString());
        assertTrue(lines.stream().map(PluginsCommandTest::columns).anyMatch(List.of("replica-method", "beta-copy",
                "dcs-beta", "4.5.6", spi, "dcs-beta/dcs-beta-4.5.6.jar")::equals), out.toString());
        // the columns line up: every row starts its NAME column at the same offset
        int nameColumn = lines.get(1).indexOf("NAME");
        lines.stream().skip(2).forEach(l -> assertTrue(l.charAt(nameColumn - 1) == ' '
                && l.charAt(nameColumn) != ' ', l));
    }

    @Test
    @DisplayName("refuses with exit 1 and the reason when a plugin is incompatible")
    void incompatible() {
        Path jar = TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-future", "future", "9.0", "lib-9")
                .withSpi("2.0"));
        assertEquals(1, run("plugins", "--plugins-dir", plugins.toString()));
        String e = err.toString();
        assertTrue(e.contains("PLUGIN_INCOMPATIBLE"), e);
        assertTrue(e.contains("'dcs-future'") && e.contains(jar.toAbsolutePath().toString()), e);
        assertTrue(e.contains("built for SPI 2.0") && e.contains("implements SPI " + SpiVersion.CURRENT), e);
    }

    @Test
    @DisplayName("an absent plugins directory is reported and only the class path is searched")
    void absentDirectory() {
        Path missing = plugins.resolve("nope");
        assertEquals(0, run("plugins", "--plugins-dir", missing.toString()), err.toString());
        assertTrue(out.toString().startsWith("plugins directory: " + missing.toAbsolutePath().normalize()
                + " (absent: class path only)"), out.toString());
    }

    private static List<String> columns(String line) {
        return Arrays.asList(line.trim().split("\\s{2,}"));
    }
}
