package io.pgha.replica.basebackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.replica.basebackup.internal.Basebackup;
import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.FakePluginContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasebackupReplicaProviderTest {
    private static final String DSN = "user=replicator host=10.0.0.1 port=5432 dbname=postgres";
    private final List<CommandRunner.Command> ran = new ArrayList<>();

    @TempDir
    Path data;

    private ReplicaRequest request(Optional<String> dsn, Duration timeout) {
        return new ReplicaRequest(data, Path.of("/usr/lib/postgresql/15/bin"), dsn, "batman", "node2", "replica",
                Map.of("PGPASSFILE", "/tmp/pgpass"), timeout);
    }

    @Test
    @DisplayName("registered as the 'basebackup' replica method, which needs a leader and an empty directory")
    void registered() {
        ReplicaMethodProvider p = ServiceLoader.load(ReplicaMethodProvider.class).stream()
                .filter(x -> x.type() == BasebackupReplicaProvider.class).findFirst().orElseThrow().get();
        assertEquals("basebackup", p.name());
        ReplicaMethod m = p.create(ConfigSection.empty("postgresql.basebackup"), FakePluginContext.of("b", "n"));
        assertFalse(m.runsWithoutLeader());
        assertFalse(m.keepsExistingData());
    }

    @Test
    @DisplayName("pg_basebackup runs as the database user with the target, -X stream, the source and the options")
    void commandLine() {
        ReplicaMethod m = new BasebackupReplicaProvider().create(
                new ConfigSection("postgresql.basebackup", Map.of("checkpoint", "fast")),
                FakePluginContext.builder().commands(c -> {
                    ran.add(c);
                    return new CommandRunner.CommandResult(0, "", false);
                }).build());
        assertTrue(m.createReplica(request(Optional.of(DSN), Duration.ofMinutes(5))).succeeded());
        CommandRunner.Command c = ran.get(0);
        assertEquals(List.of("/usr/lib/postgresql/15/bin/pg_basebackup", "--pgdata=" + data, "-X", "stream",
                "--dbname=" + DSN, "--checkpoint=fast"), c.argv());
        assertTrue(c.asDatabaseUser());
        assertEquals(Map.of("PGPASSFILE", "/tmp/pgpass"), c.environment());
    }

    @Test
    @DisplayName("a failed first attempt is retried once, on an emptied directory")
    void retries() throws IOException {
        List<Boolean> leftoverSeen = new ArrayList<>();
        Basebackup m = new Basebackup(List.of(), c -> {
            ran.add(c);
            leftoverSeen.add(Files.exists(data.resolve("half-copied")));
            if (ran.size() == 1) {
                try {
                    Files.createDirectories(data.resolve("half-copied").resolve("base"));
                    Files.writeString(data.resolve("half-copied").resolve("base").resolve("1"), "x");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return new CommandRunner.CommandResult(1, "could not connect", false);
            }
            return new CommandRunner.CommandResult(0, "", false);
        }, Duration.ofMillis(10));
        assertTrue(m.createReplica(request(Optional.of(DSN), Duration.ofMinutes(1))).succeeded());
        assertEquals(List.of(false, false), leftoverSeen);
        assertTrue(Files.isDirectory(data));
    }

    @Test
    @DisplayName("three failures, with doubling pauses between them, are a retryable failure carrying pg_basebackup's output")
    void fails() {
        List<Long> at = new ArrayList<>();
        Basebackup m = new Basebackup(List.of(), c -> {
            ran.add(c);
            at.add(System.nanoTime());
            return new CommandRunner.CommandResult(1, "pg_basebackup: error: connection refused", false);
        }, Duration.ofMillis(100));
        ReplicaResult r = m.createReplica(request(Optional.of(DSN), Duration.ofMinutes(1)));
        assertEquals(Basebackup.ATTEMPTS, ran.size());
        assertTrue(at.get(1) - at.get(0) >= Duration.ofMillis(100).toNanos(), "first pause");
        assertTrue(at.get(2) - at.get(1) >= Duration.ofMillis(200).toNanos(), "second pause, doubled");
        ReplicaResult.Failed f = (ReplicaResult.Failed) r;
        assertTrue(f.retryable());
        assertTrue(f.reason().contains("connection refused"), f.reason());
    }

    @Test
    @DisplayName("without a source there is nothing to copy: a retryable failure, nothing run")
    void noSource() {
        Basebackup m = new Basebackup(List.of(), c -> {
            ran.add(c);
            return new CommandRunner.CommandResult(0, "", false);
        }, Duration.ofMillis(10));
        assertTrue(((ReplicaResult.Failed) m.createReplica(request(Optional.empty(), Duration.ofMinutes(1)))).retryable());
        assertEquals(List.of(), ran);
    }

    @Test
    @DisplayName("forbidden options are reported by validate and refused by create")
    void forbidden() {
        ConfigSection s = new ConfigSection("postgresql.basebackup", Map.of("dbname", "x", "0", "gzip"));
        assertEquals(2, new BasebackupReplicaProvider().validate(s).size());
        assertThrows(InvalidConfigException.class,
                () -> new BasebackupReplicaProvider().create(s, FakePluginContext.of("b", "n")));
    }
}
