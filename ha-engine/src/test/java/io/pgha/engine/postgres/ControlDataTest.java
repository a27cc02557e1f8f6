package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ControlDataTest {

    private static String sample(String name) throws IOException {
        try (InputStream in = ControlDataTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    @DisplayName("a captured PostgreSQL 15 primary's pg_controldata is read field by field")
    void primary() throws IOException {
        ControlData cd = ControlData.parse(sample("pg_controldata-15-primary.txt"));
        assertEquals("7710749146351604446", cd.systemIdentifier());
        assertEquals(DbClusterState.SHUT_DOWN, cd.state());
        assertTrue(cd.state().isCleanShutdown());
        assertEquals(Lsn.parse("0/1500718"), cd.checkpointLsn());
        assertEquals(Lsn.parse("0/1500718"), cd.checkpointRedoLsn());
        assertEquals(1, cd.checkpointTimeline());
        assertEquals(1, cd.timeline());
        assertEquals(Lsn.ZERO, cd.minRecoveryEndLsn());
        assertEquals(0, cd.minRecoveryEndTimeline());
        assertFalse(cd.walLogHints());
        assertFalse(cd.dataChecksums());
        assertFalse(cd.rewindable());
        assertEquals("replica", cd.walLevel());
        assertEquals("8192", cd.field("Database block size").orElseThrow());
    }

    @Test
    @DisplayName("a standby's timeline is its minimum recovery point's; wal_log_hints makes it rewindable")
    void standby() throws IOException {
        ControlData cd = ControlData.parse(sample("pg_controldata-15-standby.txt"));
        assertEquals(DbClusterState.SHUT_DOWN_IN_RECOVERY, cd.state());
        assertTrue(cd.state().wasInRecovery());
        assertEquals(Lsn.parse("0/5000110"), cd.minRecoveryEndLsn());
        assertEquals(2, cd.timeline());
        assertTrue(cd.walLogHints());
        assertTrue(cd.rewindable());
    }

    @Test
    @DisplayName("every cluster state pg_controldata prints is recognised")
    void states() {
        assertEquals(DbClusterState.IN_PRODUCTION, DbClusterState.fromText("in production"));
        assertEquals(DbClusterState.IN_ARCHIVE_RECOVERY, DbClusterState.fromText(" in archive recovery "));
        assertEquals(DbClusterState.IN_CRASH_RECOVERY, DbClusterState.fromText("in crash recovery"));
        assertEquals(DbClusterState.SHUTTING_DOWN, DbClusterState.fromText("shutting down"));
        assertEquals(DbClusterState.STARTING_UP, DbClusterState.fromText("starting up"));
        assertEquals(DbClusterState.UNKNOWN, DbClusterState.fromText("en production"));
        assertTrue(DbClusterState.IN_PRODUCTION.needsCrashRecovery());
        assertTrue(DbClusterState.SHUTTING_DOWN.needsCrashRecovery());
        assertTrue(DbClusterState.IN_CRASH_RECOVERY.needsCrashRecovery());
        assertFalse(DbClusterState.IN_ARCHIVE_RECOVERY.needsCrashRecovery());
        assertFalse(DbClusterState.SHUT_DOWN.needsCrashRecovery());
    }

    @Test
    @DisplayName("output without the identifier or the checkpoint is refused with a typed error")
    void incomplete() {
        PostgresException e = assertThrows(PostgresException.class,
                () -> ControlData.parse("pg_control version number: 1300\nDatabase cluster state: in production\n"));
        assertEquals(PostgresException.CONTROLDATA_UNREADABLE, e.code());
        assertThrows(PostgresException.class, () -> ControlData.parse("Database system identifier: abc\n"));
    }
}
