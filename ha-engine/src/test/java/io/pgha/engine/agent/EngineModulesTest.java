package io.pgha.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Stage;
import com.google.inject.TypeLiteral;
import io.pgha.engine.config.ConfigLoader;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's Guice modules: the graph is complete, and plugins reach the engine through the multibinders. */
class EngineModulesTest {
    @TempDir
    Path dir;

    private final AtomicInteger opened = new AtomicInteger();

    private final DcsProvider memory = new DcsProvider() {
        @Override
        public String name() {
            return "memory";
        }

        @Override
        public DcsClient open(ConfigSection section, DcsContext context) {
            opened.incrementAndGet();
            throw new UnsupportedOperationException("not opened in this test");
        }
    };

    private LoadedConfig config(String dcsSection) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("scope", "unit");
        tree.put("name", "unit-1");
        tree.put("restapi", Map.of("listen", "127.0.0.1:8008", "connect_address", "127.0.0.1:8008"));
        tree.put(dcsSection, new LinkedHashMap<>(Map.of("hosts", "127.0.0.1:2379")));
        tree.put("postgresql", Map.of("listen", "127.0.0.1:5432", "connect_address", "127.0.0.1:5432",
                "data_dir", dir.resolve("data").toString(),
                "authentication", Map.of("superuser", Map.of("username", "su", "password", "su-secret"),
                        "replication", Map.of("username", "repl", "password", "repl-secret"))));
        return new ConfigLoader(Map.of(), Set.of("memory")).load(tree);
    }

    private Map<String, String> environment() {
        return Map.of("PGHA_STATE_DIR", dir.resolve("state").toString());
    }

    @Test
    @DisplayName("every module's dependencies are bound, and building the injector creates nothing")
    void graphIsComplete() {
        PluginRegistry plugins = PluginRegistry.of(List.of(LoadedProvider.of(PluginKind.DCS, memory)));
        // Guice checks every @Provides method's parameters when the injector is created
        Injector injector = Guice.createInjector(Stage.DEVELOPMENT, Agent.modules(config("memory"), plugins,
                environment()));
        assertEquals(0, opened.get(), "no DCS client is opened before the agent asks for one");
        assertTrue(injector.getBinding(Key.get(DcsClient.class)) != null);
        assertTrue(injector.getBinding(Key.get(io.pgha.engine.rest.RestApiServer.class)) != null);
        assertTrue(injector.getBinding(Key.get(io.pgha.engine.ha.HaLoop.class)) != null);
    }

    @Test
    @DisplayName("the configured DCS provider is the one the plugins contributed under that name")
    void dcsFromTheMultibinder() {
        PluginRegistry plugins = PluginRegistry.of(List.of(LoadedProvider.of(PluginKind.DCS, memory)));
        Injector injector = Guice.createInjector(Stage.DEVELOPMENT, Agent.modules(config("memory"), plugins,
                environment()));
        Map<String, LoadedProvider<DcsProvider>> contributed = injector.getInstance(
                Key.get(new TypeLiteral<Map<String, LoadedProvider<DcsProvider>>>() { }));
        assertSame(contributed.get("memory"), injector.getInstance(
                Key.get(new TypeLiteral<LoadedProvider<DcsProvider>>() { })));
    }

    @Test
    @DisplayName("an unconfigured DCS name fails start-up with the registry's message, not Guice's wrapper")
    void unknownDcs() {
        PluginRegistry plugins = PluginRegistry.of(List.of(LoadedProvider.of(PluginKind.DCS, memory)));
        PghaException e = assertThrows(PghaException.class,
                () -> Agent.start(config("etcd3"), plugins, environment()));
        assertTrue(e.getMessage().startsWith("no DCS provider 'etcd3'; available: memory;"), e.getMessage());
        assertEquals(0, opened.get());
    }
}
