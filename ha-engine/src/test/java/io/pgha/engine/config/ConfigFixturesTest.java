package io.pgha.engine.config;

import static io.pgha.engine.config.ConfigTestSupport.describe;
import static io.pgha.engine.config.ConfigTestSupport.resource;
import static io.pgha.engine.config.ConfigTestSupport.sidecarEnvironment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Loads every fixture under {@code config/valid} (must load), {@code config/invalid} (must fail with the
 * problems named in its {@code # expect: <path>} lines) and {@code config/dynamic} (DCS config key contents).
 */
class ConfigFixturesTest {

    static Stream<Path> valid() throws IOException {
        return fixtures("valid");
    }

    static Stream<Path> invalid() throws IOException {
        return fixtures("invalid");
    }

    static Stream<Path> dynamic() throws IOException {
        return fixtures("dynamic");
    }

    private static Stream<Path> fixtures(String dir) throws IOException {
        try (Stream<Path> list = Files.list(resource(dir))) {
            List<Path> out = list.filter(p -> Files.isDirectory(p) || p.toString().endsWith(".yml")).sorted().toList();
            assertFalse(out.isEmpty(), "no fixtures in " + dir);
            return out.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    @DisplayName("every valid fixture loads without errors")
    void validFixtureLoads(Path fixture) {
        try {
            LoadedConfig loaded = new ConfigLoader(sidecarEnvironment(fixture), Set.of()).forReadingOnly().load(Optional.of(fixture));
            assertFalse(loaded.config().scope().isBlank());
            assertFalse(loaded.config().postgresql().dataDir().isBlank());
        } catch (InvalidConfigException e) {
            fail(fixture.getFileName() + " should load:\n" + describe(e.problems()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    @DisplayName("every invalid fixture fails and names the expected key paths")
    void invalidFixtureFails(Path fixture) throws IOException {
        List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(fixture)) {
            if (line.startsWith("# expect: ")) {
                String path = line.substring("# expect: ".length()).trim();
                expected.add(path.equals("(top level)") ? "" : path);
            }
        }
        assertFalse(expected.isEmpty(), fixture + " has no '# expect: <path>' line");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> new ConfigLoader(sidecarEnvironment(fixture), Set.of()).forReadingOnly().load(Optional.of(fixture)));
        for (String path : expected) {
            assertTrue(e.problems().stream().anyMatch(p -> p.isError() && p.path().equals(path)),
                    () -> fixture.getFileName() + ": expected an error at '" + path + "' in\n" + describe(e.problems()));
        }
        if (expected.contains("")) {
            String name = fixture.getFileName().toString();
            assertTrue(e.problems().stream().anyMatch(p -> p.message().contains(name))
                    || e.problems().stream().anyMatch(p -> p.message().contains("DCS")),
                    () -> "a document-level error should name the file: " + describe(e.problems()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dynamic")
    @DisplayName("every dynamic-configuration fixture reads without errors, both as the DCS key and as bootstrap.dcs")
    void dynamicFixtureReads(Path fixture) throws IOException {
        Map<String, Object> tree = ConfigTestSupport.yaml(Files.readString(fixture));
        List<ConfigProblem> runtime = new ArrayList<>();
        DynamicConfig.from(tree, runtime);
        assertTrue(runtime.isEmpty(), () -> describe(runtime));
        List<ConfigProblem> file = new ArrayList<>();
        DynamicConfig.fromFile("bootstrap.dcs", tree, file);
        assertTrue(file.stream().noneMatch(ConfigProblem::isError), () -> describe(file));
    }

    @Test
    @DisplayName("the every-key fixture reports no key as unknown")
    void everyKeyIsKnown() {
        Path fixture = resource("valid/reference-every-key.yml");
        LoadedConfig loaded = new ConfigLoader(Map.of(), Set.of()).forReadingOnly().load(Optional.of(fixture));
        List<ConfigProblem> unknown = loaded.warnings().stream().filter(w -> w.message().contains("unknown")).toList();
        assertEquals(List.of(), unknown);
        PghaConfig c = loaded.config();
        assertEquals("/ha/", c.namespace());
        assertEquals(List.of("10.12.0.3", "127.0.0.1"), c.postgresql().listen().hosts());
        assertEquals(WatchdogConfig.Mode.REQUIRED, c.watchdog().mode());
        assertEquals(Optional.of(3), c.tags().failoverPriority());
        assertEquals(Map.of("datacenter", "east-2"), c.tags().custom());
        assertEquals(List.of("pgbackrest", "basebackup"), c.postgresql().createReplicaMethods());
        assertEquals("/usr/bin/pgbackrest --stanza=inventory --delta restore",
                c.postgresql().replicaMethodSection("pgbackrest").asMap().get("command"));
        assertEquals(List.of("--verbose", "--max-rate=100M"),
                c.postgresql().basebackup().stream().map(CommandOption::toArgument).toList());
        assertEquals(0640, c.log().mode().orElseThrow()); // written 0640: octal, as PyYAML reads it
        assertEquals("off", c.postgresql().parameters().get("jit"));
    }

    @Test
    @DisplayName("fragments of one slide deck merge in file-name order")
    void directoryMergesInNameOrder() {
        LoadedConfig loaded = new ConfigLoader(Map.of(), Set.of()).forReadingOnly().load(Optional.of(resource("valid/seed001-slides-etcd")));
        PghaConfig c = loaded.config();
        assertEquals("etcd", c.dcs().name());
        assertEquals("127.0.0.1:2379", c.dcs().section().asMap().get("host"));
        assertEquals(25, c.bootstrap().dcs().ttl());
        assertEquals(240, c.bootstrap().dcs().primaryStartTimeout()); // legacy master_start_timeout
        assertEquals("restore_from_archive", c.bootstrap().method());
        assertEquals(List.of("archive_copy", "basebackup"), c.postgresql().createReplicaMethods());
        assertTrue(c.tags().nosync());

        PghaConfig callbacks = new ConfigLoader(Map.of(), Set.of()).forReadingOnly()
                .load(Optional.of(resource("valid/seed000-callbacks-fragment"))).config();
        assertEquals("/srv/ledger/hooks/on_start.sh", callbacks.postgresql().callbacks().get("on_start"));
        assertEquals(5, callbacks.postgresql().callbacks().size());
    }
}
