package io.pgha.replica.pgbackrest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.replica.pgbackrest.internal.PgBackRestRestore;
import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.FakePluginContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgBackRestReplicaProviderTest {
    @TempDir
    Path data;

    private final List<CommandRunner.Command> ran = new ArrayList<>();

    private ReplicaMethod method(Map<String, Object> options, int exit) {
        return new PgBackRestReplicaProvider().create(new ConfigSection("postgresql.pgbackrest", options),
                FakePluginContext.builder().commands(c -> {
                    ran.add(c);
                    return new CommandRunner.CommandResult(exit, exit == 0 ? "" : "ERROR: [075]: no backup set found",
                            false);
                }).build());
    }

    private ReplicaRequest request() {
        return new ReplicaRequest(data, Path.of("/usr/lib/postgresql/15/bin"), Optional.empty(), "batman", "n2",
                "replica", Map.of("PGPASSFILE", "/tmp/pgpass"), Duration.ofMinutes(5));
    }

    @Test
    @DisplayName("registered as 'pgbackrest'; runs without a leader; keeps data only with delta")
    void registered() {
        ReplicaMethodProvider p = ServiceLoader.load(ReplicaMethodProvider.class).stream()
                .filter(x -> x.type() == PgBackRestReplicaProvider.class).findFirst().orElseThrow().get();
        assertEquals("pgbackrest", p.name());
        ReplicaMethod plain = method(Map.of("stanza", "main"), 0);
        assertTrue(plain.runsWithoutLeader());
        assertFalse(plain.keepsExistingData());
        assertTrue(method(Map.of("stanza", "main", "delta", true), 0).keepsExistingData());
        assertTrue(method(Map.of("stanza", "main", "keep_data", true), 0).keepsExistingData());
    }

    @Test
    @DisplayName("restore --type=standby into the data directory, with the stanza, config, delta and extra options")
    void commandLine() {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("stanza", "main");
        options.put("config", "/etc/pgbackrest/pgbackrest.conf");
        options.put("delta", true);
        options.put("process-max", 4);
        ReplicaMethod m = method(options, 0);
        m.createReplica(request());
        assertEquals(List.of("pgbackrest", "--stanza=main", "--config=/etc/pgbackrest/pgbackrest.conf",
                "--pg1-path=" + data, "--type=standby", "--delta", "--process-max=4", "restore"), ran.get(0).argv());
        assertTrue(ran.get(0).asDatabaseUser());
    }

    @Test
    @DisplayName("a failed restore is a retryable failure with pgBackRest's message; success without restore_command is not success")
    void failures() {
        ReplicaResult.Failed f = (ReplicaResult.Failed) method(Map.of("stanza", "main"), 1).createReplica(request());
        assertTrue(f.retryable());
        assertTrue(f.reason().contains("no backup set found"), f.reason());
        ReplicaResult.Failed g = (ReplicaResult.Failed) method(Map.of("stanza", "main"), 0).createReplica(request());
        assertTrue(g.reason().contains("no restore_command"), g.reason());
    }

    @Test
    @DisplayName("validation: stanza required, options the method sets refused, a command belongs to the command method")
    void validation() {
        List<ConfigProblem> problems = new PgBackRestReplicaProvider().validate(new ConfigSection("postgresql.pgbackrest",
                Map.of("pg1-path", "/x", "command", "pgbackrest restore", "no_master", true)));
        List<String> paths = problems.stream().map(p -> p.path() + (p.isError() ? "!" : "?")).sorted().toList();
        assertEquals(List.of("postgresql.pgbackrest.command!", "postgresql.pgbackrest.no_master?",
                "postgresql.pgbackrest.pg1-path!", "postgresql.pgbackrest.stanza!"), paths);
        assertThrows(InvalidConfigException.class, () -> method(Map.of(), 0));
        assertEquals("pgbackrest", new PgBackRestRestore.Settings("pgbackrest", "s", Optional.empty(), false,
                List.of()).program());
    }
}
