package io.pgha.engine.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.SpiVersion;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("PluginRegistry")
class PluginRegistryTest {

    @TempDir
    Path plugins;

    private PluginRegistry load() {
        return PluginRegistry.load(Optional.of(plugins), ClassLoader.getPlatformClassLoader());
    }

    @Nested
    @DisplayName("names are identity")
    class Names {
        @Test
        @DisplayName("an unknown name lists what is available and which plugin to install where")
        void unknownName() {
            TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-etcd", "etcd", "1.0", "lib-1")
                    .withProvider("etcd3", PluginKind.DCS));
            TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-zookeeper", "zookeeper", "1.0", "lib-1"));
            try (PluginRegistry r = load()) {
                PghaException e = assertThrows(PghaException.class, () -> r.dcs("consul"));
                assertEquals(PluginErrors.PLUGIN_UNKNOWN, e.code());
                assertEquals("no DCS provider 'consul'; available: etcd, etcd3, zookeeper; install the dcs-consul "
                        + "plugin into " + plugins.toAbsolutePath().normalize() + "/", e.getMessage());
                PghaException none = assertThrows(PghaException.class, () -> r.replicaMethod("wal_g"));
                assertEquals("no replica method 'wal_g'; available: none; install the replica-wal_g plugin into "
                        + plugins.toAbsolutePath().normalize() + "/", none.getMessage());
                assertTrue(r.find(PluginKind.DCS, "consul").isEmpty());
            }
        }

        @Test
        @DisplayName("without a plugins directory the message says how to configure one")
        void unknownNameWithoutPluginsDir() {
            PluginRegistry r = PluginRegistry.of(List.of());
            PghaException e = assertThrows(PghaException.class, () -> r.dcs("etcd3"));
            assertTrue(e.getMessage().endsWith("install the dcs-etcd plugin into a plugins directory "
                    + "(--plugins-dir, $PGHA_PLUGINS_DIR or $PGHA_HOME/plugins)"), e.getMessage());
        }

        @Test
        @DisplayName("two plugins providing the same name are refused, naming both jars")
        void duplicateName() {
            Path one = TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-etcd", "etcd3", "1.0", "lib-1"));
            Path two = TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-etcd-fork", "etcd3", "2.0", "lib-2"));
            PghaException e = assertThrows(PghaException.class, () -> load().close());
            assertEquals(PluginErrors.PLUGIN_DUPLICATE, e.code());
            assertTrue(e.getMessage().contains("'etcd3'"), e.getMessage());
            assertTrue(e.getMessage().contains(one.toAbsolutePath().toString()), e.getMessage());
            assertTrue(e.getMessage().contains(two.toAbsolutePath().toString()), e.getMessage());
        }

        @Test
        @DisplayName("the same name in two kinds is no conflict")
        void sameNameOtherKind() {
            TestPlugins.install(plugins, TestPlugins.Spec.dcs("dcs-x", "x", "1.0", "lib-1"));
            TestPlugins.install(plugins, TestPlugins.Spec.dcs("replica-x", "y", "1.0", "lib-1")
                    .withProvider("x", PluginKind.REPLICA_METHOD));
            try (PluginRegistry r = load()) {
                assertEquals("dcs-x", r.dcs("x").pluginName());
                assertEquals("replica-x", r.replicaMethod("x").pluginName());
            }
        }
    }

    @Nested
    @DisplayName("where providers come from")
    class Sources {
        @Test
        @DisplayName("class-path providers: versions from the jar manifest")
        void classPathJar(@TempDir Path cp) throws Exception {
            Path jar = TestPlugins.install(cp, TestPlugins.Spec.dcs("dcs-cp", "cp", "3.1", "lib-cp"));
            Path lib = cp.resolve("dcs-cp/shared-lib-lib-cp.jar");
            try (URLClassLoader classPath = new URLClassLoader(new URL[] {jar.toUri().toURL(), lib.toUri().toURL()},
                    PluginRegistryTest.class.getClassLoader());
                    PluginRegistry r = PluginRegistry.load(Optional.empty(), classPath)) {
                LoadedProvider<DcsProvider> p = r.dcs("cp");
                assertEquals(LoadedProvider.CLASSPATH, p.location());
                assertTrue(p.fromClassPath());
                assertEquals("dcs-cp", p.pluginName());
                assertEquals("3.1", p.pluginVersion());
                assertEquals(SpiVersion.CURRENT, p.spiVersion());
                assertSame(classPath, p.classLoader());
            }
        }

        @Test
        @DisplayName("class-path providers without a manifest (target/classes) are version dev, current SPI")
        void classPathDirectory(@TempDir Path cp) throws Exception {
            Path jar = TestPlugins.install(cp, TestPlugins.Spec.dcs("dcs-dev", "dev", "3.1", "lib-dev"));
            Path classes = cp.resolve("dcs-dev/target/classes");
            Files.createDirectories(classes);
            try (var fs = java.nio.file.FileSystems.newFileSystem(jar)) {
                for (Path root : fs.getRootDirectories()) {
                    try (var files = Files.walk(root)) {
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            if (!f.toString().endsWith("MANIFEST.MF")) {
                                Path to = classes.resolve(root.relativize(f).toString());
                                Files.createDirectories(to.getParent());
                                Files.copy(f, to);
                            }
                        }
                    }
                }
            }
            Path lib = cp.resolve("dcs-dev/shared-lib-lib-dev.jar");
            try (URLClassLoader classPath = new URLClassLoader(new URL[] {classes.toUri().toURL(),
                    lib.toUri().toURL()}, PluginRegistryTest.class.getClassLoader());
                    PluginRegistry r = PluginRegistry.load(Optional.empty(), classPath)) {
                LoadedProvider<DcsProvider> p = r.dcs("dev");
                assertEquals(LoadedProvider.DEV_VERSION, p.pluginVersion());
                assertEquals(SpiVersion.CURRENT, p.spiVersion());
                assertEquals("dcs-dev", p.pluginName());
            }
        }

        @Test
        @DisplayName("an absent plugins directory means class path only; loose jars and empty directories are skipped")
        void absentAndOddEntries() throws Exception {
            try (PluginRegistry r = PluginRegistry.load(Optional.of(plugins.resolve("missing")),
                    ClassLoader.getPlatformClassLoader())) {
                assertTrue(r.all().isEmpty());
            }
            Files.createDirectories(plugins.resolve("empty"));
            Files.writeString(plugins.resolve("loose.jar"), "not a jar");
            Files.createDirectories(plugins.resolve(".hidden"));
            try (PluginRegistry r = load()) {
                assertTrue(r.all().isEmpty());
            }
        }

        @Test
        @DisplayName("a plugins path that is a file is refused")
        void pluginsPathIsAFile() throws Exception {
            Path file = Files.writeString(plugins.resolve("file"), "x");
            PghaException e = assertThrows(PghaException.class, () -> PluginRegistry.load(Optional.of(file),
                    ClassLoader.getPlatformClassLoader()));
            assertEquals(PluginErrors.PLUGIN_LOAD_FAILED, e.code());
        }

        @Test
        @DisplayName("a service file naming a missing class is a load failure naming the plugin")
        void brokenServiceFile() throws Exception {
            Path jar = plugins.resolve("dcs-broken/broken.jar");
            TestPlugins.writeJar(jar, Files.createDirectories(plugins.resolve("empty-classes")), "none/",
                    Map.of("Pgha-Spi-Version", SpiVersion.CURRENT.toString()),
                    Map.of(DcsProvider.class.getName(), List.of("com.example.Missing")));
            Files.delete(plugins.resolve("empty-classes"));
            PghaException e = assertThrows(PghaException.class, () -> load().close());
            assertEquals(PluginErrors.PLUGIN_LOAD_FAILED, e.code());
            assertTrue(e.getMessage().contains("plugin 'dcs-broken'"), e.getMessage());
            assertTrue(e.getMessage().contains("com.example.Missing"), e.getMessage());
        }
    }

    @Nested
    @DisplayName("plugins directory resolution")
    class Directory {
        @Test
        @DisplayName("option, else PGHA_PLUGINS_DIR, else PGHA_HOME/plugins, else none")
        void order() {
            Map<String, String> env = Map.of("PGHA_PLUGINS_DIR", "/env/plugins", "PGHA_HOME", "/opt/pgha");
            assertEquals(Optional.of(Path.of("/opt/p")), PluginsDirectory.resolve(Path.of("/opt/p"), env));
            assertEquals(Optional.of(Path.of("/env/plugins")), PluginsDirectory.resolve(null, env));
            assertEquals(Optional.of(Path.of("/opt/pgha/plugins")),
                    PluginsDirectory.resolve(null, Map.of("PGHA_HOME", "/opt/pgha")));
            assertEquals(Optional.empty(), PluginsDirectory.resolve(null, Map.of()));
        }
    }

    @Nested
    @DisplayName("Guice module")
    class Module {
        private final DcsProvider fake = new DcsProvider() {
            @Override
            public String name() {
                return "memory";
            }

            @Override
            public DcsClient open(ConfigSection section, DcsContext context) {
                throw new UnsupportedOperationException();
            }
        };

        @Test
        @DisplayName("binds the registry and the selected providers")
        void binds() {
            PluginRegistry r = PluginRegistry.of(List.of(LoadedProvider.of(PluginKind.DCS, fake)));
            Injector injector = Guice.createInjector(new PluginModule(r, PluginSelection.none().withDcs("memory")));
            assertSame(r, injector.getInstance(PluginRegistry.class));
            assertSame(fake, injector.getInstance(Key.get(new TypeLiteral<LoadedProvider<DcsProvider>>() { }))
                    .provider());
            assertEquals(List.of(), injector.getInstance(
                    Key.get(new TypeLiteral<List<LoadedProvider<ReplicaMethodProvider>>>() { })));
        }

        @Test
        @DisplayName("contributes every loaded provider of each kind to a map keyed by name, empty maps for kinds nobody provides")
        void multibinds() {
            PluginRegistry r = PluginRegistry.of(List.of(LoadedProvider.of(PluginKind.DCS, fake)));
            Injector injector = Guice.createInjector(new PluginModule(r));
            java.util.Map<String, LoadedProvider<DcsProvider>> dcs = injector.getInstance(
                    Key.get(new TypeLiteral<java.util.Map<String, LoadedProvider<DcsProvider>>>() { }));
            assertEquals(java.util.Set.of("memory"), dcs.keySet());
            assertSame(fake, dcs.get("memory").provider());
            assertEquals(java.util.Map.of(), injector.getInstance(
                    Key.get(new TypeLiteral<java.util.Map<String, LoadedProvider<ReplicaMethodProvider>>>() { })));
        }

        @Test
        @DisplayName("an unknown selected name fails when the module is built, with the registry's message")
        void unknown() {
            PluginRegistry r = PluginRegistry.of(List.of(LoadedProvider.of(PluginKind.DCS, fake)));
            PghaException e = assertThrows(PghaException.class,
                    () -> new PluginModule(r, PluginSelection.none().withDcs("etcd3")));
            assertTrue(e.getMessage().startsWith("no DCS provider 'etcd3'; available: memory;"), e.getMessage());
        }
    }
}
