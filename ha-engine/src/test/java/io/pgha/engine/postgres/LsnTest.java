package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    @DisplayName("X/Y parses to the absolute byte offset and prints back the same")
    void roundTrip() {
        Lsn lsn = Lsn.parse("0/3000028");
        assertEquals(0x3000028L, lsn.value());
        assertEquals("0/3000028", lsn.toString());
        assertEquals(0x1_0000_0000L + 0xAB, Lsn.parse("1/ab").value());
        assertEquals("1/AB", Lsn.parse("1/ab").toString());
        assertEquals("FFFFFFFF/FFFFFFFF", new Lsn(-1L).toString());
        assertEquals(new Lsn(-1L), Lsn.parse("FFFFFFFF/FFFFFFFF"));
    }

    @Test
    @DisplayName("positions compare as unsigned numbers")
    void ordering() {
        assertTrue(Lsn.parse("0/3000028").compareTo(Lsn.parse("0/3000027")) > 0);
        assertTrue(Lsn.parse("FFFFFFFF/0").compareTo(Lsn.parse("1/0")) > 0);
        assertEquals(Lsn.parse("1/0"), Lsn.max(Lsn.parse("1/0"), Lsn.parse("0/FFFFFFFF")));
        assertEquals(1, Lsn.parse("1/0").minus(Lsn.parse("0/FFFFFFFF")));
    }

    @Test
    @DisplayName("malformed positions are rejected")
    void malformed() {
        for (String bad : new String[] {"", "3000028", "0/", "/1", "x/1", "1/2/3", "100000000/0", "0/100000000", "-1/0"}) {
            assertThrows(IllegalArgumentException.class, () -> Lsn.parse(bad), bad);
        }
    }
}
