package io.pgha.engine.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.config.BootstrapConfig;
import io.pgha.engine.config.DynamicConfig;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.PluginContext;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.bootstrap.BootstrapResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BootstrapMethodCatalogTest {

    /** A provider that only has a name and rejects an option named 'bad'. */
    private record Named(String name) implements BootstrapMethodProvider {
        @Override
        public List<ConfigProblem> validate(ConfigSection options) {
            return options.has("bad") ? List.of(ConfigProblem.error(options.pathOf("bad"), "is bad")) : List.of();
        }

        @Override
        public BootstrapMethod create(ConfigSection options, PluginContext context) {
            return request -> new BootstrapResult.Created(Map.of(), false);
        }
    }

    private static PluginRegistry registry(String... names) {
        return PluginRegistry.of(java.util.Arrays.stream(names)
                .<LoadedProvider<?>>map(n -> LoadedProvider.of(PluginKind.BOOTSTRAP_METHOD, new Named(n))).toList());
    }

    private static BootstrapConfig config(String method, Map<String, Object> section) {
        Map<String, ConfigSection> methods = section == null ? Map.of()
                : Map.of(method, new ConfigSection("bootstrap." + method, section));
        return new BootstrapConfig(DynamicConfig.DEFAULTS, method, List.of(), methods, Optional.empty(),
                Optional.empty());
    }

    @Test
    @DisplayName("initdb is the initdb plugin with the bootstrap.initdb options")
    void initdb() {
        BootstrapMethodCatalog.Choice c = new BootstrapMethodCatalog(registry("initdb", "command")).choose(
                config("initdb", null), Map.of("bootstrap", Map.of("initdb", List.of("data-checksums"))));
        assertEquals("initdb", c.provider().name());
        assertEquals("bootstrap.initdb", c.options().path());
    }

    @Test
    @DisplayName("a custom method with a command is run by the command method, even when a plugin has its name")
    void commandWins() {
        BootstrapMethodCatalog.Choice c = new BootstrapMethodCatalog(registry("initdb", "command", "pitr")).choose(
                config("pitr", Map.of("command", "restore.sh")), Map.of());
        assertEquals("command", c.provider().name());
        assertEquals("bootstrap.pitr", c.options().path());
    }

    @Test
    @DisplayName("a custom method without a command is the plugin of that name")
    void pluginByName() {
        BootstrapMethodCatalog.Choice c = new BootstrapMethodCatalog(registry("initdb", "command", "snapshot")).choose(
                config("snapshot", Map.of("volume", "v1")), Map.of());
        assertEquals("snapshot", c.provider().name());
    }

    @Test
    @DisplayName("no fallback to initdb: a method nothing provides fails naming the method; validate warns")
    void unknown() {
        BootstrapMethodCatalog catalog = new BootstrapMethodCatalog(registry("initdb"));
        PghaException e = assertThrows(PghaException.class, () -> catalog.choose(config("clone",
                Map.of("command", "clone.sh")), Map.of()));
        assertTrue(e.getMessage().contains("command"), e.getMessage());
        List<ConfigProblem> problems = catalog.check(config("snapshot", Map.of()), Map.of());
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("bootstrap.method", problems.get(0).path());
        assertTrue(problems.get(0).message().contains("snapshot"), problems.toString());
    }

    @Test
    @DisplayName("the provider's own problems are reported under the method's section")
    void providerProblems() {
        List<ConfigProblem> problems = new BootstrapMethodCatalog(registry("initdb", "command")).check(
                config("clone", Map.of("command", "clone.sh", "bad", 1)), Map.of());
        assertEquals(List.of("bootstrap.clone.bad"), problems.stream().map(ConfigProblem::path).toList());
    }
}
