package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PostmasterPidFileTest {

    @Test
    @DisplayName("a complete postmaster.pid gives pid, directory, start time, port and status")
    void complete() {
        PostmasterPidFile f = PostmasterPidFile.parse("""
                9764
                /tmp/pgx/d
                1795298335
                54329
                /tmp/pgx/sock
                127.0.0.1
                  2147090         4
                ready   \n""").orElseThrow();
        assertEquals(9764, f.pid());
        assertEquals("/tmp/pgx/d", f.dataDirectory());
        assertEquals(Instant.ofEpochSecond(1795298335), f.startTime().orElseThrow());
        assertEquals(54329, f.port());
        assertEquals(PostmasterPidFile.Status.READY, f.status());
        assertTrue(f.status().acceptsConnections());
        assertTrue(PostmasterPidFile.Status.STANDBY.acceptsConnections());
        assertFalse(PostmasterPidFile.Status.STARTING.acceptsConnections());
    }

    @Test
    @DisplayName("a file still being written is read as far as it goes")
    void partial() {
        PostmasterPidFile f = PostmasterPidFile.parse("123\n/data\n").orElseThrow();
        assertEquals(123, f.pid());
        assertEquals(PostmasterPidFile.Status.UNKNOWN, f.status());
        assertTrue(PostmasterPidFile.parse("").isEmpty());
        assertTrue(PostmasterPidFile.parse("abc\n").isEmpty());
    }
}
