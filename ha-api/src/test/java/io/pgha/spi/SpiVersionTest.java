package io.pgha.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SpiVersionTest {

    @Test
    void currentMatchesTheBuildProperty() throws Exception {
        Properties p = new Properties();
        try (InputStream in = SpiVersion.class.getResourceAsStream("spi-version.properties")) {
            p.load(in);
        }
        assertEquals(SpiVersion.CURRENT, SpiVersion.parse(p.getProperty("spi.version")),
                "SpiVersion.CURRENT must equal pgha.spi.version in the root POM");
    }

    @Test
    void sameMajorAndOlderOrEqualMinorRuns() {
        SpiVersion engine = new SpiVersion(1, 3);
        assertTrue(engine.canRun(new SpiVersion(1, 0)));
        assertTrue(engine.canRun(new SpiVersion(1, 3)));
        assertFalse(engine.canRun(new SpiVersion(1, 4)), "a plugin may use additions the engine lacks");
        assertFalse(engine.canRun(new SpiVersion(2, 0)));
        assertFalse(new SpiVersion(2, 0).canRun(new SpiVersion(1, 9)));
    }

    @Test
    void parseRejectsGarbageWithTheText() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpiVersion.parse("one.two"));
        assertTrue(e.getMessage().contains("one.two"));
        assertEquals(new SpiVersion(1, 12), SpiVersion.parse(" 1.12 "));
    }
}
