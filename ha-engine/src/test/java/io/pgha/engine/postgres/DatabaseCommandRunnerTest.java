package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.PghaException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DatabaseCommandRunnerTest {
    private final DatabaseCommandRunner runner = new DatabaseCommandRunner(new DatabaseUser("self", 0, 0, false));

    private static Command sh(String script, Duration timeout) {
        return new Command(List.of("sh", "-c", script), Map.of("GREETING", "hello"), Optional.empty(), timeout, false);
    }

    @Test
    @DisplayName("output (stdout and stderr), exit code and environment come back; stdin is empty")
    void runs() {
        CommandResult r = runner.run(sh("echo $GREETING; echo oops >&2; cat; exit 3", Duration.ofSeconds(10)));
        assertEquals(3, r.exitCode());
        assertFalse(r.timedOut());
        assertTrue(r.output().contains("hello") && r.output().contains("oops"), r.output());
    }

    @Test
    @DisplayName("a program outliving its timeout is killed with what it started, and reported as timed out")
    void timeout() {
        long start = System.nanoTime();
        CommandResult r = runner.run(sh("echo started; sleep 30 & sleep 30; wait", Duration.ofMillis(500)));
        assertTrue(r.timedOut());
        assertEquals(-1, r.exitCode());
        assertFalse(r.succeeded());
        assertTrue(r.output().contains("started"), r.output());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);
    }

    @Test
    @DisplayName("only the tail of a long output is kept")
    void tail() {
        CommandResult r = runner.run(sh("seq 1 20000", Duration.ofSeconds(10)));
        assertTrue(r.succeeded());
        assertTrue(r.output().length() <= DatabaseCommandRunner.OUTPUT_TAIL_CHARS + 3);
        assertTrue(r.output().trim().endsWith("20000"));
    }

    @Test
    @DisplayName("a program that cannot be started is a COMMAND_FAILED_TO_START error")
    void missing() {
        PghaException e = assertThrows(PghaException.class, () -> runner.run(Command.ofDatabaseUser(
                List.of("/nonexistent/program"), Duration.ofSeconds(1))));
        assertEquals("COMMAND_FAILED_TO_START", e.code());
    }
}
