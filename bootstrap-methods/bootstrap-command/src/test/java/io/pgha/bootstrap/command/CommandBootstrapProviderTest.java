package io.pgha.bootstrap.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.bootstrap.BootstrapRequest;
import io.pgha.spi.bootstrap.BootstrapResult;
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

class CommandBootstrapProviderTest {
    @TempDir
    Path dir;

    private final List<CommandRunner.Command> ran = new ArrayList<>();

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private BootstrapRequest request() {
        return new BootstrapRequest(dir.resolve("data"), Path.of("/usr/lib/postgresql/15/bin"), "batman", "node1",
                "postgres", Optional.empty(), Map.of("LC_MESSAGES", "C"), Duration.ofMinutes(1));
    }

    private BootstrapMethod recording(Map<String, Object> options, int exit) {
        return new CommandBootstrapProvider().create(new ConfigSection("bootstrap.clone", options),
                FakePluginContext.builder().commands(c -> {
                    ran.add(c);
                    return new CommandRunner.CommandResult(exit, exit == 0 ? "" : "backup not found", false);
                }).build());
    }

    @Test
    @DisplayName("registered as the 'command' bootstrap method")
    void registered() {
        BootstrapMethodProvider p = ServiceLoader.load(BootstrapMethodProvider.class).stream()
                .filter(x -> x.type() == CommandBootstrapProvider.class).findFirst().orElseThrow().get();
        assertEquals("command", p.name());
    }

    @Test
    @DisplayName("Patroni's convention: command, --scope, --datadir, then the other keys; recovery_conf handed back")
    void convention() {
        BootstrapMethod m = recording(ordered("command", "clone.sh --from 'host a'", "keep_existing_recovery_conf",
                true, "recovery_conf", ordered("recovery_target_time", "2026-01-01 00:00:00+00",
                        "recovery_target_inclusive", false), "backup_id", 20260101, "no_params", false), 0);
        BootstrapResult r = m.bootstrap(request());
        assertEquals(List.of("clone.sh", "--from", "host a", "--scope=batman", "--datadir=" + dir.resolve("data"),
                "--backup_id=20260101"), ran.get(0).argv());
        assertTrue(ran.get(0).asDatabaseUser());
        BootstrapResult.Created c = assertInstanceOf(BootstrapResult.Created.class, r);
        assertTrue(c.keepExistingRecoveryConfiguration());
        assertEquals(Map.of("recovery_target_time", "2026-01-01 00:00:00+00", "recovery_target_inclusive", "off"),
                c.recoverySettings());
    }

    @Test
    @DisplayName("no_params leaves out --scope and --datadir; a failure carries the output")
    void noParamsAndFailure() {
        BootstrapResult r = recording(ordered("command", "restore", "no_params", true, "stanza", "main"), 2)
                .bootstrap(request());
        assertEquals(List.of("restore", "--stanza=main"), ran.get(0).argv());
        assertEquals("restore exited with 2: backup not found",
                assertInstanceOf(BootstrapResult.Failed.class, r).reason());
    }

    @Test
    @DisplayName("a command is required; nested values are refused")
    void validation() {
        List<String> paths = new CommandBootstrapProvider().validate(new ConfigSection("bootstrap.clone",
                Map.of("recovery_conf", Map.of("x", List.of(1)), "opts", Map.of()))).stream()
                .map(p -> p.path()).sorted().toList();
        assertEquals(List.of("bootstrap.clone.command", "bootstrap.clone.opts", "bootstrap.clone.recovery_conf.x"), paths);
        assertThrows(InvalidConfigException.class, () -> recording(Map.of(), 0));
    }

    @Test
    @DisplayName("a real script gets the arguments and builds the directory")
    void realScript() throws Exception {
        Path script = dir.resolve("clone.sh");
        Path args = dir.resolve("args");
        Files.writeString(script, "#!/bin/bash\nprintf '%s\\n' \"$@\" > " + args + "\nfor a in \"$@\"; do case $a in"
                + " --datadir=*) d=${a#--datadir=};; esac; done\nmkdir -p \"$d\" && echo 15 > \"$d/PG_VERSION\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        BootstrapMethod m = new CommandBootstrapProvider().create(new ConfigSection("bootstrap.clone",
                ordered("command", script.toString(), "source", "backup-1")),
                FakePluginContext.builder().commands(new PlainCommandRunner()).build());
        assertTrue(m.bootstrap(request()).succeeded());
        assertEquals(List.of("--scope=batman", "--datadir=" + dir.resolve("data"), "--source=backup-1"),
                Files.readAllLines(args));
        assertTrue(Files.exists(dir.resolve("data/PG_VERSION")));
    }
}
