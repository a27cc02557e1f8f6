package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.postgres.Postmaster.PostmasterExit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** One primary, started by the agent as its child; every test leaves it running. */
class PrimaryLifecycleIT {
    private static PgFixture fixture;
    private static PostgresInstance pg;

    @BeforeAll
    static void startPrimary() {
        fixture = new PgFixture();
        // the script gets the superuser's connection string (no password: that comes from PGPASSFILE, and pg_hba
        // asks for one over TCP) as its last argument
        pg = fixture.runningPrimary("solo", Optional.of("sh -c '" + fixture.binaries.directory().resolve("psql")
                + " \"$0\" -v ON_ERROR_STOP=1 -c \"CREATE TABLE post_bootstrap_ran(dsn text); INSERT INTO"
                + " post_bootstrap_ran VALUES (current_user)\"'"));
    }

    @AfterAll
    static void stopAll() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @BeforeEach
    void running() {
        if (!pg.isRunning()) {
            fixture.assertRunning(pg, pg.startAndWait(ServerRole.primary(), fixture.config(), PgFixture.START_TIMEOUT));
        }
    }

    @Test
    @DisplayName("initdb bootstrap: the postmaster is the agent's child, owns its files, and answers SQL as primary")
    void bootstrapAndSql() throws Exception {
        Postmaster pm = pg.postmaster().orElseThrow();
        assertTrue(pm.startedByAgent());
        assertEquals(pm.pid(), pg.pidFile().orElseThrow().pid(), "setpriv/setsid exec in place: same pid");
        assertEquals(ProcessState.RUNNING, pg.state());

        ServerStatus status = pg.sql().status();
        assertFalse(status.inRecovery());
        assertEquals(1, status.timeline());
        assertTrue(status.serverVersion() >= 150000, "version " + status.serverVersion());
        assertTrue(status.flushLsn().orElseThrow().compareTo(Lsn.ZERO) > 0);
        assertEquals(status.flushLsn().orElseThrow(), status.walPosition());

        ControlData cd = pg.controlData();
        assertEquals(DbClusterState.IN_PRODUCTION, cd.state());
        assertEquals(fixture.psql(pg, "SELECT system_identifier FROM pg_control_system()"), cd.systemIdentifier());
        assertEquals(cd.systemIdentifier(), status.systemIdentifier());

        InstanceObservation seen = pg.observe();
        assertEquals(ProcessState.RUNNING, seen.process());
        assertTrue(seen.answering(), seen.toString());
        assertEquals(Optional.empty(), seen.error());
        assertEquals(Map.of(), seen.pendingRestart());

        assertEquals("su", fixture.psql(pg, "SELECT dsn FROM post_bootstrap_ran"));
        assertEquals("t|t", fixture.psql(pg, "SELECT rolreplication, rolcanlogin FROM pg_roles WHERE rolname = 'replicator'"));
        assertEquals("t", fixture.psql(pg,
                "SELECT has_function_privilege('rewinder', 'pg_read_binary_file(text)', 'execute')"));

        Path data = pg.settings().dataDirectory();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        assertEquals("postgres", Files.getOwner(data).getName());
        assertEquals("postgres", Files.getOwner(pg.settings().pgpassFile()).getName());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pg.settings().pgpassFile())));
        assertTrue(Files.exists(data.resolve("postgresql.base.conf")), "initdb's file kept as the base");
        assertTrue(Files.readString(data.resolve("postgresql.conf")).startsWith(ConfigFiles.HEADER));
    }

    @Test
    @DisplayName("pending_restart: shared_buffers changed by reload is reported with old and new value; work_mem applies")
    void pendingRestart() {
        Map<String, String> params = new HashMap<>(fixture.config().parameters());
        params.put("shared_buffers", "32MB");
        params.put("work_mem", "8MB");
        ServerConfig changed = new ServerConfig(params, fixture.config().pgHba(), fixture.config().pgIdent());
        assertEquals(Map.of(), pg.observe().pendingRestart());
        pg.reload(ServerRole.primary(), changed);
        // observe() reads pg_settings again only after a configuration load: this one must be noticed
        PgFixture.await("shared_buffers is pending a restart", Duration.ofSeconds(20),
                () -> pg.observe().pendingRestart().containsKey("shared_buffers"));
        assertEquals(new PendingChange("16MB", "32MB"), pg.sql().pendingRestart().get("shared_buffers"));
        PgFixture.await("work_mem is applied", Duration.ofSeconds(20),
                () -> fixture.psql(pg, "SHOW work_mem").equals("8MB"));
        assertFalse(pg.sql().pendingRestart().containsKey("work_mem"));

        assertEquals(ProcessState.RUNNING, pg.restart(ServerRole.primary(), changed, StopMode.FAST, PgFixture.START_TIMEOUT));
        assertEquals(Map.of(), pg.sql().pendingRestart());
        assertEquals(Map.of(), pg.observe().pendingRestart());

        // a reload by someone else (ALTER SYSTEM and pg_reload_conf from a session of theirs) is noticed too
        fixture.psql(pg, "ALTER SYSTEM SET max_wal_senders = 12");
        fixture.psql(pg, "SELECT pg_reload_conf()");
        PgFixture.await("max_wal_senders is pending a restart", Duration.ofSeconds(20),
                () -> pg.observe().pendingRestart().containsKey("max_wal_senders"));
        fixture.psql(pg, "ALTER SYSTEM RESET max_wal_senders");
        fixture.psql(pg, "SELECT pg_reload_conf()");
        PgFixture.await("max_wal_senders is no longer pending", Duration.ofSeconds(20),
                () -> !pg.observe().pendingRestart().containsKey("max_wal_senders"));
        assertEquals("32MB", fixture.psql(pg, "SHOW shared_buffers"));
        // leave the server as the other tests expect it
        pg.restart(ServerRole.primary(), fixture.config(), StopMode.FAST, PgFixture.START_TIMEOUT);
    }

    @Test
    @DisplayName("kill -9 of the postmaster is noticed at once, as a crash; a restart in place recovers the data")
    void killNine() throws Exception {
        fixture.psql(pg, "CREATE TABLE IF NOT EXISTS survives(x int); INSERT INTO survives VALUES (42)");
        CompletableFuture<PostmasterExit> exited = new CompletableFuture<>();
        pg.addExitListener(exited::complete);
        Postmaster pm = pg.postmaster().orElseThrow();
        long killedAt = System.nanoTime();
        assertTrue(UnixSignal.KILL.send(pm.pid()));

        PostmasterExit exit = exited.get(5, TimeUnit.SECONDS);
        assertTrue(Duration.ofNanos(System.nanoTime() - killedAt).compareTo(Duration.ofSeconds(3)) < 0,
                "noticed through onExit, not by polling");
        assertEquals(pm.pid(), exit.pid());
        assertFalse(exit.requested());
        assertEquals(ProcessState.CRASHED, pg.state());
        assertFalse(pg.isRunning());

        // its backends may still be around; start clears them and PostgreSQL recovers from its crash
        fixture.assertRunning(pg, pg.startAndWait(ServerRole.primary(), fixture.config(), PgFixture.START_TIMEOUT));
        assertTrue(fixture.psql(pg, "SELECT count(*) FROM survives WHERE x = 42").matches("[1-9][0-9]*"));
    }

    @Test
    @DisplayName("a postmaster left running by an earlier agent is adopted from postmaster.pid and stopped by pid")
    void adopt() {
        long pid = pg.postmaster().orElseThrow().pid();
        try (PostgresInstance again = new PostgresInstance(pg.settings(), fixture.runner)) {
            Postmaster adopted = again.adoptRunning().orElseThrow();
            assertEquals(pid, adopted.pid());
            assertFalse(adopted.startedByAgent());
            assertEquals(ProcessState.RUNNING, again.state());
            assertTrue(again.sql().status().timeline() >= 1);

            StopResult stopped = again.stop(StopMode.FAST, Duration.ofSeconds(30));
            assertTrue(stopped.wasRunning());
            assertFalse(stopped.escalated(StopMode.FAST));
            assertEquals(ProcessState.STOPPED, again.state());
            assertFalse(ProcFs.isAlive(pid));
            assertEquals(DbClusterState.SHUT_DOWN, again.controlData().state());
        }
    }

    @Test
    @DisplayName("smart shutdown held up by an open session escalates to fast after its timeout")
    void escalation() throws Exception {
        try (Connection session = SqlConnector.local(pg.settings()).open()) {
            assertTrue(session.isValid(2));
            StopResult r = pg.stop(StopMode.SMART, Duration.ofSeconds(1));
            assertTrue(r.escalated(StopMode.SMART), r.toString());
            assertEquals(Optional.of(StopMode.FAST), r.finalMode());
            assertEquals(ProcessState.STOPPED, pg.state());
        }
    }

    @Test
    @DisplayName("crash recovery: an immediate stop leaves 'in production'; single-user mode brings a clean shutdown")
    void crashRecovery() {
        pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(30));
        assertEquals(DbClusterState.IN_PRODUCTION, pg.controlData().state());
        assertTrue(pg.needsCrashRecovery());
        ControlData after = pg.crashRecovery(Duration.ofSeconds(60));
        assertEquals(DbClusterState.SHUT_DOWN, after.state());
        assertFalse(pg.needsCrashRecovery());
    }
}
