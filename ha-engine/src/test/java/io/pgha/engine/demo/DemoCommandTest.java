package io.pgha.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.cli.Main;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pgha demo} refusing to start: every case fails before any member starts, with a message and exit 1. */
@DisplayName("pgha demo refuses to start")
class DemoCommandTest {

    @TempDir
    Path tmp;

    private Path base;
    private Path plugins;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void dirs() throws Exception {
        // when the tests run as root, PostgreSQL's user must be able to enter the temporary directory
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        base = tmp.resolve("demo");
        plugins = Files.createDirectories(tmp.resolve("no-plugins"));
    }

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of("demo", "--base-dir", base.toString(), "--plugins-dir",
                plugins.toString()));
        all.addAll(List.of(args));
        return Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    }

    /** A REST base port with three free ports after it (held by nobody). */
    private static int freeRestBase() {
        return LoopbackPorts.consecutive(3);
    }

    @Test
    @DisplayName("invalid options: every problem, nothing created")
    void invalidOptions() {
        assertEquals(1, run("--members", "12", "--dcs", "etcd"));
        assertTrue(err.toString().contains("--members: got 12, expected 1 to 9"), err.toString());
        assertTrue(err.toString().contains("--etcd-hosts: required with --dcs etcd"), err.toString());
        assertTrue(err.toString().contains("[DEMO_INVALID]"), err.toString());
        assertFalse(Files.exists(base));
    }

    @Test
    @DisplayName("an unknown DCS")
    void unknownDcs() {
        assertEquals(1, run("--dcs", "consul"));
        assertTrue(err.toString().contains("--dcs: got 'consul', expected zookeeper or etcd"), err.toString());
    }

    @Test
    @DisplayName("a non-empty directory that is not a demo's is left alone (--clean would delete it)")
    void foreignDirectory() throws Exception {
        Files.createDirectories(base);
        Files.writeString(base.resolve("precious.txt"), "keep me");
        assertEquals(1, run("--clean"));
        assertTrue(err.toString().contains("is not empty and holds no pgha demo"), err.toString());
        assertEquals(List.of(base.resolve("precious.txt")), Files.list(base).toList());
    }

    @Test
    @DisplayName("a base directory holding a cluster of another shape names the options that fit it")
    void otherShape() throws Exception {
        Files.createDirectories(base);
        new DemoState("demo", DemoDcs.ZOOKEEPER, 3, 5432, Map.of()).write(base.resolve("demo.properties"));
        assertEquals(1, run("--members", "2"));
        assertTrue(err.toString().contains("holds the demo cluster 'demo' (3 members, zookeeper); run it with"
                + " --members 3 (not 2)"), err.toString());
        assertTrue(Files.exists(base.resolve("demo.properties")), "the existing demo is kept");
    }

    @Test
    @DisplayName("a base directory locked by a running demo")
    void locked() throws Exception {
        Files.createDirectories(base);
        new DemoState("demo", DemoDcs.ZOOKEEPER, 3, 5432, Map.of()).write(base.resolve("demo.properties"));
        try (DemoLock held = DemoLock.acquire(base.resolve("demo.lock"))) {
            assertEquals(1, run());
        }
        assertTrue(err.toString().contains("another pgha demo is already running on " + base), err.toString());
        assertTrue(err.toString().contains("[DEMO_LOCKED]"), err.toString());
    }

    @Test
    @DisplayName("a REST API port in use; the new base directory is removed again")
    void restPortInUse() throws Exception {
        int rest = freeRestBase();
        try (ServerSocket taken = new ServerSocket(rest + 1, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(1, run("--rest-port", Integer.toString(rest)));
        }
        assertTrue(err.toString().contains("port 127.0.0.1:" + (rest + 1) + " (REST API of pg2) is in use"),
                err.toString());
        assertTrue(err.toString().contains("[DEMO_PORT_IN_USE]"), err.toString());
        assertFalse(Files.exists(base), "a failed first start leaves no directory behind");
    }

    @Test
    @DisplayName("the plugins the members need are not installed")
    void pluginsMissing() throws Exception {
        assertEquals(1, run("--rest-port", Integer.toString(freeRestBase()), "--pg-port", "20000"));
        String e = err.toString();
        assertTrue(e.contains("the members need the zookeeper DCS (plugin dcs-zookeeper)"), e);
        assertTrue(e.contains("the initdb bootstrap method") && e.contains("the basebackup replica method"), e);
        assertTrue(e.contains("not installed in " + plugins), e);
        assertFalse(Files.exists(base));
    }
}
