package io.pgha.bootstrap.initdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapRequest;
import io.pgha.spi.bootstrap.BootstrapResult;
import io.pgha.testkit.DatabaseUserCommandRunner;
import io.pgha.testkit.FakePluginContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The plugin against the real initdb of the installed PostgreSQL. */
class InitdbBootstrapIT {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private final CommandRunner runner = new DatabaseUserCommandRunner();
    private Path root;

    @BeforeEach
    void directories() throws IOException {
        assertTrue(Files.isExecutable(BIN.resolve("initdb")),
                "this test needs PostgreSQL 15's initdb at " + BIN + ": apt-get install postgresql-15");
        root = Files.createTempDirectory("pgha-initdb-it");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void cleanUp() throws IOException {
        runner.run(new CommandRunner.Command(List.of("rm", "-rf", root.toString()), Map.of(), Optional.empty(),
                Duration.ofSeconds(30), false));
    }

    private Path ownedByDatabaseUser(Path p, boolean directory) throws IOException {
        if (directory) {
            Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (DatabaseUserCommandRunner.ROOT) {
            runner.run(new CommandRunner.Command(List.of("chown", "postgres:postgres", p.toString()), Map.of(),
                    Optional.empty(), Duration.ofSeconds(10), false));
        }
        return p;
    }

    private BootstrapMethod method(Map<String, Object> options) {
        return new InitdbBootstrapProvider().create(new ConfigSection("bootstrap.initdb", options),
                FakePluginContext.builder().commands(runner).build());
    }

    @Test
    @DisplayName("initdb creates a cluster with the options (data checksums) and the configured superuser")
    void creates() throws Exception {
        Path data = ownedByDatabaseUser(root.resolve("data"), true);
        Path pwfile = root.resolve("pw");
        Files.writeString(pwfile, "secret\n");
        ownedByDatabaseUser(pwfile, false);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("0", "data-checksums");
        options.put("1", Map.of("encoding", "UTF8"));
        options.put("2", Map.of("locale", "C"));
        BootstrapResult r = method(options).bootstrap(new BootstrapRequest(data, BIN, "it", "node1", "su",
                Optional.of(pwfile), Map.of(), Duration.ofSeconds(120)));
        assertInstanceOf(BootstrapResult.Created.class, r, r.toString());
        assertEquals("15", Files.readString(data.resolve("PG_VERSION")).trim());

        CommandRunner.CommandResult cd = runner.run(new CommandRunner.Command(
                List.of(BIN.resolve("pg_controldata").toString(), data.toString()), Map.of("LC_ALL", "C"),
                Optional.empty(), Duration.ofSeconds(30), true));
        assertTrue(cd.output().matches("(?s).*Data page checksum version:\\s+1\\n.*"), cd.output());
        assertEquals("su", bootstrapSuperuser(data));
    }

    @Test
    @DisplayName("initdb refusing the directory is a failure with its message")
    void fails() throws Exception {
        Path data = ownedByDatabaseUser(root.resolve("data"), true);
        Files.writeString(data.resolve("something"), "not empty");
        BootstrapResult r = method(Map.of()).bootstrap(new BootstrapRequest(data, BIN, "it", "node1", "su",
                Optional.empty(), Map.of("LC_MESSAGES", "C"), Duration.ofSeconds(60)));
        assertInstanceOf(BootstrapResult.Failed.class, r);
        assertTrue(((BootstrapResult.Failed) r).reason().contains("not empty"), r.toString());
    }

    /** The name of the bootstrap superuser (OID 10), asked in single-user mode. */
    private static String bootstrapSuperuser(Path data) throws Exception {
        Process p = new ProcessBuilder(DatabaseUserCommandRunner.asDatabaseUser(List.of(BIN.resolve("postgres").toString(),
                "--single", "-D", data.toString(), "postgres"))).directory(Path.of("/").toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().write("SELECT rolname FROM pg_authid WHERE oid = 10;\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("rolname = \"([^\"]+)\"").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }
}
