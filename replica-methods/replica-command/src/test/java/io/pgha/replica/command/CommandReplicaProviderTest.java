package io.pgha.replica.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.FakePluginContext;
import io.pgha.testkit.PlainCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

class CommandReplicaProviderTest {
    private static final String DSN = "user=replicator host=127.0.0.1 port=5432 dbname=postgres";

    @TempDir
    Path dir;

    private final List<CommandRunner.Command> ran = new ArrayList<>();

    private ReplicaRequest request(Optional<String> dsn) {
        return new ReplicaRequest(dir.resolve("data"), Path.of("/usr/lib/postgresql/15/bin"), dsn, "batman", "node2",
                "replica", Map.of("PGPASSFILE", "/tmp/pgpass"), Duration.ofSeconds(30));
    }

    private ReplicaMethod recording(Map<String, Object> section, int exit) {
        return new CommandReplicaProvider().create(new ConfigSection("postgresql.wal_g", section),
                FakePluginContext.builder().commands(c -> {
                    ran.add(c);
                    return new CommandRunner.CommandResult(exit, exit == 0 ? "" : "no backup found", false);
                }).build());
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    @DisplayName("registered as the 'command' replica method")
    void registered() {
        ReplicaMethodProvider p = ServiceLoader.load(ReplicaMethodProvider.class).stream()
                .filter(x -> x.type() == CommandReplicaProvider.class).findFirst().orElseThrow().get();
        assertEquals("command", p.name());
    }

    @Test
    @DisplayName("Patroni's convention: command words, the section's keys as --key=value, then scope, role, datadir, connstring")
    void patroniConvention() {
        ReplicaMethod m = recording(ordered("command", "wal-g-restore --config '/etc/wal g.json'", "threshold_megabytes",
                10240, "no_leader", true, "use_iam", false), 0);
        assertTrue(m.runsWithoutLeader());
        assertFalse(m.keepsExistingData());
        assertTrue(m.createReplica(request(Optional.of(DSN))).succeeded());
        CommandRunner.Command c = ran.get(0);
        assertEquals(List.of("wal-g-restore", "--config", "/etc/wal g.json", "--threshold_megabytes=10240",
                "--no_leader=True", "--use_iam=False", "--scope=batman", "--role=replica",
                "--datadir=" + dir.resolve("data"), "--connstring=" + DSN), c.argv());
        assertTrue(c.asDatabaseUser());
        assertEquals("/tmp/pgpass", c.environment().get("PGPASSFILE"));
    }

    @Test
    @DisplayName("no_params drops the four arguments and the flags; other keys are still passed")
    void noParams() {
        ReplicaMethod m = recording(ordered("command", "/usr/bin/pgbackrest --stanza=main --delta restore",
                "keep_data", true, "no_params", true, "no_master", 1, "type", "standby"), 0);
        assertTrue(m.keepsExistingData());
        assertTrue(m.runsWithoutLeader(), "no_master is the old spelling of no_leader");
        m.createReplica(request(Optional.empty()));
        assertEquals(List.of("/usr/bin/pgbackrest", "--stanza=main", "--delta", "restore", "--type=standby"),
                ran.get(0).argv());
    }

    @Test
    @DisplayName("without a command the method name is the program; without a source the connstring is empty")
    void defaults() {
        ReplicaMethod m = recording(ordered("no_leader", "on"), 0);
        m.createReplica(request(Optional.empty()));
        List<String> argv = ran.get(0).argv();
        assertEquals("wal_g", argv.get(0));
        assertEquals("--connstring=", argv.get(argv.size() - 1));
    }

    @Test
    @DisplayName("a failing command is a retryable failure that quotes its output")
    void failure() {
        ReplicaResult r = recording(ordered("command", "restore"), 3).createReplica(request(Optional.of(DSN)));
        ReplicaResult.Failed f = assertInstanceOf(ReplicaResult.Failed.class, r);
        assertTrue(f.retryable());
        assertEquals("restore exited with 3: no backup found", f.reason());
    }

    @Test
    @DisplayName("validation names each bad key: nested values, a blank or badly quoted command, keys the agent sets")
    void validation() {
        List<ConfigProblem> problems = new CommandReplicaProvider().validate(new ConfigSection("postgresql.barman",
                ordered("command", "barman-restore 'unterminated", "scope", "other", "env", Map.of("A", "b"),
                        "keep_data", "maybe")));
        List<String> paths = problems.stream().map(p -> p.path() + (p.isError() ? " error" : " warning")).toList();
        assertTrue(paths.contains("postgresql.barman.command error"), paths.toString());
        assertTrue(paths.contains("postgresql.barman.env error"), paths.toString());
        assertTrue(paths.contains("postgresql.barman.keep_data error"), paths.toString());
        assertTrue(paths.contains("postgresql.barman.scope warning"), paths.toString());
        assertThrows(InvalidConfigException.class, () -> new CommandReplicaProvider().create(
                new ConfigSection("postgresql.x", Map.of("command", " ")), FakePluginContext.of("b", "n")));
    }

    @Test
    @DisplayName("a real script receives exactly these arguments and the environment, and builds the directory")
    void realScript() throws Exception {
        Path args = dir.resolve("args.txt");
        Path script = dir.resolve("fake-restore.sh");
        Files.writeString(script, "#!/bin/bash\nprintf '%s\\n' \"$@\" > " + args + "\necho \"$PGPASSFILE\" >> " + args
                + "\nfor a in \"$@\"; do case $a in --datadir=*) d=${a#--datadir=};; esac; done\n"
                + "mkdir -p \"$d\" && echo 15 > \"$d/PG_VERSION\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        ReplicaMethod m = new CommandReplicaProvider().create(new ConfigSection("postgresql.wal_e",
                ordered("command", script.toString(), "envdir", "/etc/wal-e.d/env")),
                FakePluginContext.builder().commands(new PlainCommandRunner()).build());
        assertTrue(m.createReplica(request(Optional.of(DSN))).succeeded());
        assertEquals(List.of("--envdir=/etc/wal-e.d/env", "--scope=batman", "--role=replica",
                "--datadir=" + dir.resolve("data"), "--connstring=" + DSN, "/tmp/pgpass"), Files.readAllLines(args));
        assertEquals("15", Files.readString(dir.resolve("data/PG_VERSION")).strip());

        Files.writeString(script, "#!/bin/bash\necho 'archive unreachable' >&2\nexit 7\n");
        ReplicaResult.Failed f = assertInstanceOf(ReplicaResult.Failed.class, m.createReplica(request(Optional.of(DSN))));
        assertTrue(f.reason().endsWith("exited with 7: archive unreachable"), f.reason());
    }
}
