package io.pgha.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.Versions;
import io.pgha.spi.SpiVersion;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("pgha version")
class VersionCommandTest {

    @Test
    @DisplayName("prints the engine, SPI and Patroni-compatible versions, exit 0")
    void version() {
        StringWriter out = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "version"));
        String text = out.toString();
        assertTrue(text.startsWith("pgha " + Versions.engine() + System.lineSeparator()), text);
        assertTrue(text.contains("SPI " + SpiVersion.CURRENT), text);
        assertTrue(text.contains("Patroni-compatible " + Versions.PATRONI_COMPATIBLE), text);
    }

    @Test
    @DisplayName("--version prints the same")
    void versionOption() {
        StringWriter out = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "--version"));
        assertTrue(out.toString().startsWith("pgha " + Versions.engine()), out.toString());
    }
}
