package io.pgha.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {

    private static final String GOOD = """
            scope: cli
            name: cli-1
            restapi:
              listen: 127.0.0.1:8008
              connect_address: 127.0.0.1:8008
              authentication:
                username: admin
                password: very-secret-api
            etcd3:
              hosts: 127.0.0.1:2379
            postgresql:
              listen: 127.0.0.1:5432
              connect_address: 127.0.0.1:5432
              data_dir: /tmp/cli-data
              authentication:
                superuser:
                  username: su
                  password: very-secret-su
                replication:
                  username: repl
            whatever: 1
            """;

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private Run run(Consumer<ValidateCommand> setup, String... args) {
        ValidateCommand command = new ValidateCommand();
        command.setEnvironment(Map.of());
        setup.accept(command);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("pgha.yml"), text);
    }

    @Test
    @DisplayName("a valid file: exit 0, 'is valid' on stdout, warnings on stderr")
    void valid() throws IOException {
        Path p = file(GOOD);
        Run r = run(c -> { }, p.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("configuration " + p + " is valid", r.out().strip());
        assertTrue(r.err().contains("warning: whatever: unknown key, ignored"), r.err());
    }

    @Test
    @DisplayName("an invalid file: exit 1 and one 'error: <path>: <message>' line per error")
    void invalid() throws IOException {
        Path p = file(GOOD.replace("scope: cli\n", "").replace("127.0.0.1:5432", "127.0.0.1:99999"));
        Run r = run(c -> { }, p.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: scope: is missing"), r.err());
        assertTrue(r.err().contains("error: postgresql.listen: "), r.err());
        assertTrue(r.err().contains("is invalid: 3 errors"), r.err());
        assertEquals("", r.out());
    }

    @Test
    @DisplayName("a missing file: exit 1 with a message naming it")
    void missing() {
        Run r = run(c -> { }, dir.resolve("absent.yml").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: (top level): configuration file " + dir.resolve("absent.yml") + " not found"),
                r.err());
    }

    @Test
    @DisplayName("the DCS provider hook adds its problems under the section's path")
    void dcsHook() throws IOException {
        Path p = file(GOOD);
        Run r = run(c -> c.setDcsValidator(sel -> List.of(ConfigProblem.error("hosts",
                "got '" + sel.section().asMap().get("hosts") + "': expected https URLs"))), p.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: etcd3.hosts: got '127.0.0.1:2379': expected https URLs"), r.err());
    }

    @Test
    @DisplayName("plugin DCS sections and an injected environment are honoured")
    void pluginAndEnvironment() throws IOException {
        Path p = file(GOOD.replace("etcd3:\n  hosts: 127.0.0.1:2379\n", "memdcs:\n  id: 1\n"));
        assertEquals(1, run(c -> { }, p.toString()).code());
        assertEquals(0, run(c -> c.setExtraDcsSectionNames(java.util.Set.of("memdcs")), p.toString()).code());
        Run r = run(c -> c.setEnvironment(Map.of("PATRONI_RESTAPI_LISTEN", "nowhere")), p.toString(), "--ignore-env");
        assertEquals(1, r.code(), "memdcs is unknown without the plugin names");
        r = run(c -> {
            c.setExtraDcsSectionNames(java.util.Set.of("memdcs"));
            c.setEnvironment(Map.of("PATRONI_RESTAPI_LISTEN", "nowhere"));
        }, p.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: restapi.listen: the text 'nowhere'"), r.err());
        assertTrue(r.err().contains("PATRONI_RESTAPI_LISTEN"), r.err());
    }

    @Test
    @DisplayName("--print shows the merged configuration with secrets masked")
    void print() throws IOException {
        Path p = file(GOOD);
        Run r = run(c -> c.setEnvironment(Map.of("PATRONI_REPLICATION_PASSWORD", "very-secret-repl")), p.toString(),
                "--print");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("data_dir: \"/tmp/cli-data\"") || r.out().contains("data_dir: /tmp/cli-data"), r.out());
        assertTrue(r.out().contains("******"), r.out());
        for (String secret : List.of("very-secret-api", "very-secret-su", "very-secret-repl")) {
            assertFalse(r.out().contains(secret), secret);
        }
    }
}
