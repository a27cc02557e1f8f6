package io.pgha.testkit;

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
import org.junit.jupiter.api.Test;

class PlainCommandRunnerTest {
    private final PlainCommandRunner runner = new PlainCommandRunner();

    @Test
    void runsAndCapturesOutputAndStatus() {
        CommandResult r = runner.run(new Command(List.of("sh", "-c", "echo out; echo err >&2; echo $KIT_VAR; exit 3"),
                Map.of("KIT_VAR", "v1"), Optional.empty(), Duration.ofSeconds(10), true));
        assertEquals(3, r.exitCode());
        assertFalse(r.timedOut());
        assertTrue(r.output().contains("out") && r.output().contains("err") && r.output().contains("v1"), r.output());
    }

    @Test
    void killsWhatOutlivesItsTimeout() {
        long t0 = System.nanoTime();
        CommandResult r = runner.run(Command.ofDatabaseUser(List.of("sleep", "30"), Duration.ofMillis(300)));
        assertTrue(r.timedOut());
        assertFalse(r.succeeded());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(10)) < 0);
    }

    @Test
    void reportsAProgramThatCannotStart() {
        PghaException e = assertThrows(PghaException.class,
                () -> runner.run(Command.ofDatabaseUser(List.of("/nonexistent/kit-program"), Duration.ofSeconds(5))));
        assertEquals("COMMAND_FAILED_TO_START", e.code());
    }
}
