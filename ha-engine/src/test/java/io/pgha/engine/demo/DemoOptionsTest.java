package io.pgha.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("pgha demo options")
class DemoOptionsTest {

    static DemoOptions options(int members, DemoDcs dcs, List<String> etcd) {
        return options(members, dcs, etcd, 5432);
    }

    static DemoOptions options(int members, DemoDcs dcs, List<String> etcd, int pgPortBase) {
        return new DemoOptions(members, Path.of("/tmp/pgha-demo"), 8008, pgPortBase, "demo", dcs, etcd, false,
                Duration.ofSeconds(180), Optional.empty());
    }

    @Test
    @DisplayName("the defaults are valid and name the members pg1 to pgN")
    void defaults() {
        DemoOptions o = options(3, DemoDcs.ZOOKEEPER, List.of());
        assertEquals(List.of(), o.problems());
        assertEquals(List.of("pg1", "pg2", "pg3"), o.memberNames());
    }

    @Test
    @DisplayName("members must be 1 to 9")
    void memberCount() {
        assertEquals(List.of(), options(1, DemoDcs.ZOOKEEPER, List.of()).problems());
        assertEquals(List.of(), options(9, DemoDcs.ZOOKEEPER, List.of()).problems());
        assertTrue(options(0, DemoDcs.ZOOKEEPER, List.of()).problems().get(0).startsWith("--members: got 0"));
        assertTrue(options(10, DemoDcs.ZOOKEEPER, List.of()).problems().get(0).startsWith("--members: got 10"));
    }

    @Test
    @DisplayName("etcd needs --etcd-hosts as host:port, and --etcd-hosts needs etcd")
    void etcdHosts() {
        assertEquals(List.of("--etcd-hosts: required with --dcs etcd (for example --etcd-hosts 127.0.0.1:2379)"),
                options(3, DemoDcs.ETCD, List.of()).problems());
        assertEquals(List.of(), options(3, DemoDcs.ETCD, List.of("127.0.0.1:2379", "etcd-2:2379")).problems());
        assertEquals(List.of("--etcd-hosts: got 'nohost', expected host:port"),
                options(3, DemoDcs.ETCD, List.of("nohost")).problems());
        assertTrue(options(3, DemoDcs.ZOOKEEPER, List.of("127.0.0.1:2379")).problems().get(0)
                .startsWith("--etcd-hosts: only used with --dcs etcd"));
    }

    @Test
    @DisplayName("ports, scope, base directory and timeout are checked, all problems at once")
    void everyProblemAtOnce() {
        DemoOptions o = new DemoOptions(3, Path.of("/"), 65534, 0, "bad scope", DemoDcs.ZOOKEEPER, List.of(), false,
                Duration.ZERO, Optional.empty());
        List<String> p = o.problems();
        assertEquals(5, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("--rest-port: got 65534, expected 1 to 65533"), p.get(0));
        assertTrue(p.get(1).startsWith("--pg-port: got 0"), p.get(1));
        assertTrue(p.get(2).startsWith("--scope: got 'bad scope'"), p.get(2));
        assertTrue(p.get(3).startsWith("--base-dir: got '/'"), p.get(3));
        assertTrue(p.get(4).startsWith("--start-timeout"), p.get(4));
    }

    @Test
    @DisplayName("--dcs accepts zookeeper and etcd (or etcd3), in any case")
    void dcsNames() {
        assertEquals(Optional.of(DemoDcs.ZOOKEEPER), DemoDcs.parse("ZooKeeper"));
        assertEquals(Optional.of(DemoDcs.ETCD), DemoDcs.parse("etcd"));
        assertEquals(Optional.of(DemoDcs.ETCD), DemoDcs.parse("etcd3"));
        assertEquals(Optional.empty(), DemoDcs.parse("consul"));
        assertEquals("etcd3", DemoDcs.ETCD.section());
    }

    @Test
    @DisplayName("a relative base directory is made absolute")
    void absoluteBase() {
        DemoOptions o = new DemoOptions(3, Path.of("rel/../demo"), 8008, 5432, "demo", DemoDcs.ZOOKEEPER, List.of(),
                false, Duration.ofSeconds(1), Optional.empty());
        assertTrue(o.baseDir().isAbsolute());
        assertEquals("demo", o.baseDir().getFileName().toString());
    }
}
