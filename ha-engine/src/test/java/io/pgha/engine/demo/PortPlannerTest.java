package io.pgha.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.demo.PortProbe.Use;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("pgha demo port planning")
class PortPlannerTest {

    /** Ports in {@code busy} are taken; "any free" hands out 40000, 40001, ... */
    static final class FakeProbe implements PortProbe {
        final Set<Integer> busy = new HashSet<>();
        int next = 40000;

        @Override
        public boolean isFree(int port, Use use) {
            return !busy.contains(port);
        }

        @Override
        public int anyFree() {
            while (busy.contains(next)) {
                next++;
            }
            return next++;
        }
    }

    private final FakeProbe probe = new FakeProbe();

    @Test
    @DisplayName("REST ports are consecutive from --rest-port, PostgreSQL from --pg-port, ZooKeeper any free ones")
    void fresh() {
        Map<String, MemberPorts> p = new PortPlanner(probe).plan(
                DemoOptionsTest.options(3, DemoDcs.ZOOKEEPER, List.of()), Map.of(), -1);
        assertEquals(List.of("pg1", "pg2", "pg3"), new ArrayList<>(p.keySet()));
        assertEquals(new MemberPorts(8008, 5432, 40000, 40001, 40002), p.get("pg1"));
        assertEquals(new MemberPorts(8009, 5433, 40003, 40004, 40005), p.get("pg2"));
        assertEquals(new MemberPorts(8010, 5434, 40006, 40007, 40008), p.get("pg3"));
    }

    @Test
    @DisplayName("PostgreSQL ports in use are skipped")
    void skipsBusyPostgresPorts() {
        probe.busy.addAll(List.of(5432, 5434));
        Map<String, MemberPorts> p = new PortPlanner(probe).plan(
                DemoOptionsTest.options(3, DemoDcs.ETCD, List.of("127.0.0.1:2379")), Map.of(), -1);
        assertEquals(List.of(5433, 5435, 5436), p.values().stream().map(MemberPorts::postgres).toList());
        // no ZooKeeper ports with etcd
        assertTrue(p.values().stream().allMatch(m -> m.zkClient() == 0 && m.zkPeer() == 0 && m.zkElection() == 0));
    }

    @Test
    @DisplayName("a busy REST API port fails the plan, naming every busy one and --rest-port")
    void busyRestPorts() {
        probe.busy.addAll(List.of(8008, 8010));
        DemoException e = assertThrows(DemoException.class, () -> new PortPlanner(probe).plan(
                DemoOptionsTest.options(3, DemoDcs.ZOOKEEPER, List.of()), Map.of(), -1));
        assertEquals(DemoException.PORT_IN_USE, e.code());
        assertTrue(e.getMessage().startsWith("ports 127.0.0.1:8008 (REST API of pg1), 127.0.0.1:8010 (REST API of"
                + " pg3) are in use"), e.getMessage());
        assertTrue(e.getMessage().contains("--rest-port"), e.getMessage());
    }

    @Test
    @DisplayName("a rerun keeps the previous ports that are still free and replaces the others")
    void rerun() {
        Map<String, MemberPorts> previous = Map.of(
                "pg1", new MemberPorts(8008, 5440, 30001, 30002, 30003),
                "pg2", new MemberPorts(8009, 5432, 30004, 30005, 30006),
                "pg3", new MemberPorts(8010, 5441, 30007, 30008, 30009));
        probe.busy.addAll(List.of(5441, 30005));
        Map<String, MemberPorts> p = new PortPlanner(probe).plan(
                DemoOptionsTest.options(3, DemoDcs.ZOOKEEPER, List.of()), previous, 5432);
        assertEquals(new MemberPorts(8008, 5440, 30001, 30002, 30003), p.get("pg1"));
        assertEquals(new MemberPorts(8009, 5432, 30004, 40000, 30006), p.get("pg2"));
        // pg3's old PostgreSQL port is taken: the first free one from the base that no other member keeps
        assertEquals(new MemberPorts(8010, 5433, 30007, 30008, 30009), p.get("pg3"));
    }

    @Test
    @DisplayName("another --pg-port than last time gives new PostgreSQL ports from it")
    void newPgBase() {
        Map<String, MemberPorts> previous = Map.of("pg1", new MemberPorts(8008, 5432, 30001, 30002, 30003));
        Map<String, MemberPorts> p = new PortPlanner(probe).plan(
                DemoOptionsTest.options(1, DemoDcs.ZOOKEEPER, List.of(), 6000), previous, 5432);
        assertEquals(new MemberPorts(8008, 6000, 30001, 30002, 30003), p.get("pg1"));
    }

    @Test
    @DisplayName("no port is used twice, even when 'any free' hands out a REST or PostgreSQL port")
    void distinct() {
        probe.next = 8009;
        Map<String, MemberPorts> p = new PortPlanner(probe).plan(
                DemoOptionsTest.options(3, DemoDcs.ZOOKEEPER, List.of(), 8011), Map.of(), -1);
        Set<Integer> all = new HashSet<>();
        int count = 0;
        for (MemberPorts m : p.values()) {
            for (int port : List.of(m.rest(), m.postgres(), m.zkClient(), m.zkPeer(), m.zkElection())) {
                all.add(port);
                count++;
            }
        }
        assertEquals(count, all.size(), p.toString());
    }
}
