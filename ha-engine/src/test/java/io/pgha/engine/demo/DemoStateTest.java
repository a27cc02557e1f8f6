package io.pgha.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pgha demo state, secrets and lock in the base directory")
class DemoStateTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("the state survives a write and a read")
    void roundTrip() {
        DemoState s = new DemoState("demo", DemoDcs.ZOOKEEPER, 2, 5432, Map.of(
                "pg1", new MemberPorts(8008, 5432, 1, 2, 3), "pg2", new MemberPorts(8009, 5433, 4, 5, 6)));
        Path file = dir.resolve("demo.properties");
        s.write(file);
        assertEquals(Optional.of(s), DemoState.read(file));
        assertEquals(Optional.empty(), DemoState.read(dir.resolve("absent")));
    }

    @Test
    @DisplayName("a rerun must keep the cluster's scope, DCS and member count")
    void mismatches() {
        DemoState s = new DemoState("demo", DemoDcs.ZOOKEEPER, 3, 5432, Map.of());
        assertEquals(List.of(), s.mismatches(DemoOptionsTest.options(3, DemoDcs.ZOOKEEPER, List.of())));
        assertEquals(List.of("--dcs zookeeper (not etcd)", "--members 3 (not 2)"),
                s.mismatches(DemoOptionsTest.options(2, DemoDcs.ETCD, List.of("h:1"))));
    }

    @Test
    @DisplayName("a damaged state file is reported with the way out")
    void damaged() throws Exception {
        Path file = dir.resolve("demo.properties");
        Files.writeString(file, "scope=demo\ndcs=zookeeper\n");
        DemoException e = assertThrows(DemoException.class, () -> DemoState.read(file));
        assertTrue(e.getMessage().contains("members is missing") && e.getMessage().contains("remove the base"),
                e.getMessage());
    }

    @Test
    @DisplayName("passwords are generated once, private, and reused; pgpass lists every member")
    void secrets() throws Exception {
        Path file = dir.resolve("secrets.properties");
        DemoSecrets first = DemoSecrets.loadOrCreate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(24, first.superuser().length());
        assertTrue(!first.superuser().equals(first.replication()));
        assertEquals(first, DemoSecrets.loadOrCreate(file));
        assertEquals("DemoSecrets[****]", first.toString());

        Path pgpass = dir.resolve("pgpass");
        first.writePgpass(pgpass, Map.of("pg1", new MemberPorts(8008, 5432, 0, 0, 0)));
        assertEquals("127.0.0.1:5432:*:postgres:" + first.superuser() + "\n", Files.readString(pgpass));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pgpass)));
    }

    @Test
    @DisplayName("a log tail shows the last messages without stack frames")
    void logTail() throws Exception {
        Path log = dir.resolve("agent.log");
        Files.writeString(log, "one\ntwo\njava.io.IOException: x\n\tat a.b(C.java:1)\n\t... 3 more\nthree\n");
        assertEquals(List.of("two", "java.io.IOException: x", "three"), MemberProcess.tail(log, 3));
        List<String> absent = MemberProcess.tail(dir.resolve("absent"), 3);
        assertEquals(1, absent.size());
        assertTrue(absent.get(0).startsWith("(cannot read " + dir.resolve("absent")), absent.get(0));
    }

    @Test
    @DisplayName("a second lock on the same base directory fails at once, naming the holder's pid")
    void lock() {
        Path file = dir.resolve("demo.lock");
        try (DemoLock held = DemoLock.acquire(file)) {
            DemoException e = assertThrows(DemoException.class, () -> DemoLock.acquire(file));
            assertEquals(DemoException.LOCKED, e.code());
            assertTrue(e.getMessage().startsWith("another pgha demo is already running on " + dir + " (pid "
                    + ProcessHandle.current().pid() + ")"), e.getMessage());
        }
        DemoLock.acquire(file).close();
    }
}
