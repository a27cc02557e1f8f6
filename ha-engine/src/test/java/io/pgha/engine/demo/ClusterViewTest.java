package io.pgha.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("pgha demo cluster view")
class ClusterViewTest {

    // the shape GET /cluster answers with (as captured from a running demo)
    static final String UP = """
            {"members":[
             {"name":"pg1","role":"replica","state":"streaming","api_url":"http://127.0.0.1:8008/patroni",
              "host":"127.0.0.1","port":5432,"timeline":1,"receive_lag":0,"receive_lsn":"0/4000060","lag":0,
              "lsn":"0/4000060"},
             {"name":"pg2","role":"replica","state":"streaming","api_url":"http://127.0.0.1:8009/patroni",
              "host":"127.0.0.1","port":5433,"timeline":1,"lag":1234,"lsn":"0/4000000"},
             {"name":"pg3","role":"leader","state":"running","api_url":"http://127.0.0.1:8010/patroni",
              "host":"127.0.0.1","port":5434,"timeline":1}],
             "scope":"demo"}""";

    @Test
    @DisplayName("parses members with role, state, timeline, lag and both addresses")
    void parse() {
        ClusterView v = ClusterView.parse(UP);
        assertEquals("demo", v.scope());
        assertEquals(new ClusterView.Row("pg2", "replica", "streaming", "1", "1234", "127.0.0.1:8009",
                "127.0.0.1:5433"), v.rows().get(1));
        assertEquals(new ClusterView.Row("pg3", "leader", "running", "1", "", "127.0.0.1:8010", "127.0.0.1:5434"),
                v.rows().get(2));
        assertThrows(IllegalArgumentException.class, () -> ClusterView.parse("{\"state\":\"running\"}"));
        assertThrows(IllegalArgumentException.class, () -> ClusterView.parse("<html>"));
    }

    @Test
    @DisplayName("is up with a running leader and every other member streaming")
    void up() {
        assertEquals(List.of(), ClusterView.parse(UP).missing(List.of("pg1", "pg2", "pg3")));
    }

    @Test
    @DisplayName("says what is missing: no leader, unregistered members, replicas not streaming")
    void missing() {
        ClusterView v = ClusterView.parse("""
                {"members":[{"name":"pg1","role":"replica","state":"starting"},
                            {"name":"pg2","role":"replica","state":"in archive recovery"}],"scope":"demo"}""");
        assertEquals(List.of("no leader yet", "pg1: replica, PostgreSQL 'starting' (waiting for 'streaming')",
                "pg2: replica, PostgreSQL 'in archive recovery' (waiting for 'streaming')",
                "pg3: not registered in the DCS yet"), v.missing(List.of("pg1", "pg2", "pg3")));
        ClusterView starting = ClusterView.parse("""
                {"members":[{"name":"pg1","role":"leader","state":""}],"scope":"demo"}""");
        assertEquals(List.of("pg1: leader, PostgreSQL state unknown (waiting for 'running')"),
                starting.missing(List.of("pg1")));
    }

    @Test
    @DisplayName("prints a boxed table with the columns Member, Role, State, TL, Lag, REST, PostgreSQL")
    void table() {
        String expected = """
                +--------+---------+-----------+----+------+----------------+----------------+
                | Member | Role    | State     | TL | Lag  | REST           | PostgreSQL     |
                +--------+---------+-----------+----+------+----------------+----------------+
                | pg1    | Replica | streaming |  1 |    0 | 127.0.0.1:8008 | 127.0.0.1:5432 |
                | pg2    | Replica | streaming |  1 | 1234 | 127.0.0.1:8009 | 127.0.0.1:5433 |
                | pg3    | Leader  | running   |  1 |      | 127.0.0.1:8010 | 127.0.0.1:5434 |
                +--------+---------+-----------+----+------+----------------+----------------+
                """;
        assertEquals(expected, ClusterView.parse(UP).table());
        assertEquals("Sync Standby", ClusterView.roleTitle("sync_standby"));
    }
}
