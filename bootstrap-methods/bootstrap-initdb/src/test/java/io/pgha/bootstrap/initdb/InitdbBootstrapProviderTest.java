package io.pgha.bootstrap.initdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PghaException;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.spi.bootstrap.BootstrapRequest;
import io.pgha.spi.bootstrap.BootstrapResult;
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

class InitdbBootstrapProviderTest {
    private final List<CommandRunner.Command> ran = new ArrayList<>();

    private FakePluginContext context(CommandRunner.CommandResult result) {
        return FakePluginContext.builder().commands(c -> {
            ran.add(c);
            return result;
        }).build();
    }

    private static BootstrapRequest request(Optional<Path> pwfile) {
        return new BootstrapRequest(Path.of("/data/pg"), Path.of("/usr/lib/postgresql/15/bin"), "batman", "node1",
                "postgres", pwfile, Map.of("LC_MESSAGES", "C"), Duration.ofSeconds(90));
    }

    @Test
    @DisplayName("registered as the 'initdb' bootstrap method")
    void registered() {
        assertTrue(ServiceLoader.load(BootstrapMethodProvider.class).stream()
                .anyMatch(p -> p.get().name().equals("initdb") && p.type() == InitdbBootstrapProvider.class));
    }

    @Test
    @DisplayName("initdb runs as the database user: data directory, options, then superuser and password file")
    void commandLine() {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("0", "data-checksums");
        options.put("1", Map.of("encoding", "UTF8"));
        BootstrapResult r = new InitdbBootstrapProvider().create(new ConfigSection("bootstrap.initdb", options),
                context(new CommandRunner.CommandResult(0, "ok", false)))
                .bootstrap(request(Optional.of(Path.of("/tmp/pw"))));
        assertInstanceOf(BootstrapResult.Created.class, r);
        assertEquals(Map.of(), ((BootstrapResult.Created) r).recoverySettings());
        CommandRunner.Command c = ran.get(0);
        assertEquals(List.of("/usr/lib/postgresql/15/bin/initdb", "--pgdata=/data/pg", "--data-checksums",
                "--encoding=UTF8", "--username=postgres", "--pwfile=/tmp/pw"), c.argv());
        assertTrue(c.asDatabaseUser());
        assertEquals(Duration.ofSeconds(90), c.timeout());
        assertEquals(Map.of("LC_MESSAGES", "C"), c.environment());
    }

    @Test
    @DisplayName("without a password there is no --pwfile")
    void noPassword() {
        new InitdbBootstrapProvider().create(ConfigSection.empty("bootstrap.initdb"),
                context(new CommandRunner.CommandResult(0, "", false))).bootstrap(request(Optional.empty()));
        assertEquals(List.of("/usr/lib/postgresql/15/bin/initdb", "--pgdata=/data/pg", "--username=postgres"),
                ran.get(0).argv());
    }

    @Test
    @DisplayName("a failing or timed-out initdb is a failure carrying its output; one that cannot start too")
    void failures() {
        BootstrapResult failed = new InitdbBootstrapProvider().create(ConfigSection.empty("bootstrap.initdb"),
                context(new CommandRunner.CommandResult(1, "initdb: error: directory exists", false)))
                .bootstrap(request(Optional.empty()));
        assertTrue(((BootstrapResult.Failed) failed).reason().contains("directory exists"));
        BootstrapResult timedOut = new InitdbBootstrapProvider().create(ConfigSection.empty("bootstrap.initdb"),
                context(new CommandRunner.CommandResult(-1, "", true))).bootstrap(request(Optional.empty()));
        assertTrue(((BootstrapResult.Failed) timedOut).reason().contains("timed out"));
        BootstrapResult noStart = new InitdbBootstrapProvider().create(ConfigSection.empty("bootstrap.initdb"),
                FakePluginContext.builder().commands(c -> {
                    throw new PghaException("COMMAND_FAILED_TO_START", "no such file");
                }).build()).bootstrap(request(Optional.empty()));
        assertTrue(((BootstrapResult.Failed) noStart).reason().contains("no such file"));
    }

    @Test
    @DisplayName("forbidden options are reported by validate and refused by create")
    void forbidden() {
        ConfigSection s = new ConfigSection("bootstrap.initdb", Map.of("pgdata", "/x", "nosync", true));
        assertEquals(2, new InitdbBootstrapProvider().validate(s).size());
        assertThrows(InvalidConfigException.class, () -> new InitdbBootstrapProvider().create(s,
                context(new CommandRunner.CommandResult(0, "", false))));
    }
}
