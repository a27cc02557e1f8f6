package io.pgha.engine.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PluginContext;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.spi.replica.ReplicaResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReplicaMethodCatalogTest {

    /** A provider that only has a name and rejects an option named 'bad'. */
    private record Named(String name) implements ReplicaMethodProvider {
        @Override
        public List<ConfigProblem> validate(ConfigSection options) {
            return options.has("bad") ? List.of(ConfigProblem.error(options.pathOf("bad"), "is bad")) : List.of();
        }

        @Override
        public ReplicaMethod create(ConfigSection options, PluginContext context) {
            return new ReplicaMethod() {
                @Override
                public boolean runsWithoutLeader() {
                    return false;
                }

                @Override
                public boolean keepsExistingData() {
                    return false;
                }

                @Override
                public ReplicaResult createReplica(io.pgha.spi.replica.ReplicaRequest request) {
                    return ReplicaResult.created();
                }
            };
        }
    }

    private static PluginRegistry registry(String... names) {
        return PluginRegistry.of(java.util.Arrays.stream(names)
                .<LoadedProvider<?>>map(n -> LoadedProvider.of(PluginKind.REPLICA_METHOD, new Named(n))).toList());
    }

    private static Optional<ConfigSection> none(String method) {
        return Optional.empty();
    }

    @Test
    @DisplayName("a section with a command goes to the command method even when a plugin of that name exists")
    void commandWins() {
        ReplicaMethodCatalog c = new ReplicaMethodCatalog(registry("command", "pgbackrest", "basebackup"));
        List<ReplicaMethodCatalog.Entry> e = c.resolve(List.of("pgbackrest", "basebackup"), m -> m.equals("pgbackrest")
                ? Optional.of(new ConfigSection("postgresql.pgbackrest", Map.of("command", "pgbackrest restore")))
                : Optional.empty());
        assertEquals("command", assertInstanceOf(ReplicaMethodCatalog.Served.class, e.get(0)).provider().name());
        assertEquals("postgresql.pgbackrest", ((ReplicaMethodCatalog.Served) e.get(0)).options().path());
        assertEquals("basebackup", assertInstanceOf(ReplicaMethodCatalog.Served.class, e.get(1)).provider().name());
    }

    @Test
    @DisplayName("a plugin serves its own name; a section without command and without plugin runs a program of that name")
    void providerThenSection() {
        ReplicaMethodCatalog c = new ReplicaMethodCatalog(registry("command", "pgbackrest"));
        List<ReplicaMethodCatalog.Entry> e = c.resolve(List.of("pgbackrest", "wal_e"), m -> Optional.of(
                new ConfigSection("postgresql." + m, Map.of("threshold", 1))));
        assertEquals("pgbackrest", ((ReplicaMethodCatalog.Served) e.get(0)).provider().name());
        assertEquals("command", ((ReplicaMethodCatalog.Served) e.get(1)).provider().name());
    }

    @Test
    @DisplayName("an unknown name is unserved with what is available and what to install; validation warns and goes on")
    void unknown() {
        ReplicaMethodCatalog c = new ReplicaMethodCatalog(registry("command", "basebackup"));
        List<ReplicaMethodCatalog.Entry> e = c.resolve(List.of("wal_g", "basebackup"), ReplicaMethodCatalogTest::none);
        ReplicaMethodCatalog.Unserved u = assertInstanceOf(ReplicaMethodCatalog.Unserved.class, e.get(0));
        assertTrue(u.reason().contains("available: basebackup"), u.reason());
        assertTrue(u.reason().contains("install the replica-wal_g plugin"), u.reason());
        List<ConfigProblem> problems = c.check("postgresql.create_replica_methods", e);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).message().startsWith("method wal_g will be skipped"), problems.toString());
        assertTrue(problems.stream().noneMatch(ConfigProblem::isError));
    }

    @Test
    @DisplayName("a command-style method without the command plugin is unserved, naming the plugin to install")
    void noCommandPlugin() {
        ReplicaMethodCatalog c = new ReplicaMethodCatalog(registry("basebackup"));
        List<ReplicaMethodCatalog.Entry> e = c.resolve(List.of("wal_e"), m -> Optional.of(
                new ConfigSection("postgresql.wal_e", Map.of("command", "wale_restore"))));
        ReplicaMethodCatalog.Unserved u = assertInstanceOf(ReplicaMethodCatalog.Unserved.class, e.get(0));
        assertTrue(u.reason().contains("install the replica-command plugin"), u.reason());
        List<ConfigProblem> problems = c.check("postgresql.create_replica_methods", e);
        assertTrue(problems.get(problems.size() - 1).message().contains("cannot create a replica"), problems.toString());
    }

    @Test
    @DisplayName("each served method's options are checked by its provider, with the section's paths")
    void providerValidation() {
        ReplicaMethodCatalog c = new ReplicaMethodCatalog(registry("rsync"));
        List<ConfigProblem> problems = c.check("postgresql.create_replica_methods", c.resolve(List.of("rsync"),
                m -> Optional.of(new ConfigSection("postgresql.rsync", Map.of("bad", 1)))));
        assertEquals(List.of("postgresql.rsync.bad"), problems.stream().map(ConfigProblem::path).toList());
    }
}
