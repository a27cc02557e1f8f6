package io.pgha.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --help} works on the command and on every subcommand, as an operator expects. */
class HelpTest {

    @ParameterizedTest(name = "pgha {0} --help")
    @ValueSource(strings = {"", "version", "plugins", "validate", "agent", "demo", "ctl"})
    void helpEverywhere(String subcommand) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = subcommand.isEmpty() ? new String[] {"--help"} : new String[] {subcommand, "--help"};
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(0, code, err.toString());
        String usage = "Usage: pgha" + (subcommand.isEmpty() ? "" : " " + subcommand.replace("ctl", "pghactl"));
        assertTrue(out.toString().startsWith(usage), out.toString());
    }

    @ParameterizedTest(name = "pghactl {0} --help")
    @ValueSource(strings = {"list", "topology", "show-config", "edit-config", "pause", "resume", "switchover",
            "failover", "restart", "reload", "reinit", "history", "flush", "remove", "dsn", "version"})
    void pghactlHelpEverywhere(String subcommand) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "ctl", subcommand, "--help");
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().startsWith("Usage: pgha pghactl " + subcommand), out.toString());
    }
}
