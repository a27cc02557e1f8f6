package io.pgha.engine.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.SpiVersion;
import io.pgha.spi.dcs.DcsProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Plugins are loaded from plugins/<name>/, each through its own class loader")
class PluginIsolationTest {

    @TempDir
    Path plugins;

    private PluginRegistry registry;
    private Path alphaJar;
    private Path betaJar;

    @BeforeEach
    void installTwoPluginsWithConflictingLibraries() {
        alphaJar = TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-alpha", "alpha", "1.2.3", "lib-1.0"));
        betaJar = TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-beta", "beta", "4.5.6", "lib-2.0")
                .withProvider("beta-copy", PluginKind.REPLICA_METHOD));
        // the platform loader as "class path": only the plugins directory contributes
        registry = PluginRegistry.load(Optional.of(plugins), ClassLoader.getPlatformClassLoader());
    }

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    @DisplayName("both plugins load, each with its own version, SPI version and jar")
    void bothLoad() {
        assertEquals(List.of("alpha", "beta"), registry.names(PluginKind.DCS));
        assertEquals(List.of("beta-copy"), registry.names(PluginKind.REPLICA_METHOD));
        LoadedProvider<DcsProvider> alpha = registry.dcs("alpha");
        assertEquals("dcs-alpha", alpha.pluginName());
        assertEquals("1.2.3", alpha.pluginVersion());
        assertEquals(SpiVersion.CURRENT, alpha.spiVersion());
        assertEquals(alphaJar.toAbsolutePath().toString(), alpha.location());
        LoadedProvider<DcsProvider> beta = registry.dcs("beta");
        assertEquals("dcs-beta", beta.pluginName());
        assertEquals("4.5.6", beta.pluginVersion());
        assertEquals(betaJar.toAbsolutePath().toString(), beta.location());
        assertEquals(3, registry.all().size());
    }

    @Test
    @DisplayName("a class with the same name in two plugins is two classes: each provider sees its own Lib")
    void sameClassNameTwoVersions() throws Exception {
        LoadedProvider<DcsProvider> alpha = registry.dcs("alpha");
        LoadedProvider<DcsProvider> beta = registry.dcs("beta");
        assertTrue(alpha.provider().toString().startsWith("lib-1.0 "), alpha.provider().toString());
        assertTrue(beta.provider().toString().startsWith("lib-2.0 "), beta.provider().toString());
        Class<?> alphaLib = alpha.classLoader().loadClass(TestPlugins.LIB);
        Class<?> betaLib = beta.classLoader().loadClass(TestPlugins.LIB);
        assertNotSame(alphaLib, betaLib);
        assertEquals("lib-1.0", alphaLib.getMethod("version").invoke(null));
        assertEquals("lib-2.0", betaLib.getMethod("version").invoke(null));
        // one loader per plugin directory, shared by all providers of that plugin
        assertSame(beta.classLoader(), registry.replicaMethod("beta-copy").classLoader());
        assertNotSame(alpha.classLoader(), beta.classLoader());
    }

    @Test
    @DisplayName("the SPI and slf4j come from the engine; the engine's other libraries are invisible")
    void sharedAndHiddenPackages() throws Exception {
        ClassLoader loader = registry.dcs("alpha").classLoader();
        assertSame(DcsProvider.class, loader.loadClass(DcsProvider.class.getName()));
        assertSame(org.slf4j.LoggerFactory.class, loader.loadClass("org.slf4j.LoggerFactory"));
        assertSame(String.class, loader.loadClass("java.lang.String"));
        // Guice, Jackson and picocli are on the engine's class path but not in the plugin
        for (String engineOnly : List.of("com.google.inject.Guice", "com.fasterxml.jackson.databind.ObjectMapper",
                "picocli.CommandLine", PluginRegistry.class.getName())) {
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass(engineOnly), engineOnly);
        }
        assertEquals(null, loader.getResource("picocli/CommandLine.class"));
    }

    @Test
    @DisplayName("calls through LoadedProvider run with the plugin's loader as the context class loader")
    void contextClassLoader() {
        LoadedProvider<DcsProvider> alpha = registry.dcs("alpha");
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        assertEquals("lib-1.0 tccl=false", alpha.provider().toString());
        assertEquals("lib-1.0 tccl=true", alpha.call(Object::toString));
        assertSame(before, Thread.currentThread().getContextClassLoader());
        CharSequence wrapped = alpha.contextual(CharSequence.class, new CharSequence() {
            @Override
            public int length() {
                return Thread.currentThread().getContextClassLoader() == alpha.classLoader() ? 1 : 0;
            }

            @Override
            public char charAt(int index) {
                throw new IllegalStateException("boom");
            }

            @Override
            public CharSequence subSequence(int start, int end) {
                return this;
            }
        });
        assertEquals(1, wrapped.length());
        // the target's own exception passes through unwrapped
        assertEquals("boom", assertThrows(IllegalStateException.class, () -> wrapped.charAt(0)).getMessage());
        assertSame(before, Thread.currentThread().getContextClassLoader());
    }
}
