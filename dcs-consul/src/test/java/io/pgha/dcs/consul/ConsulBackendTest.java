package io.pgha.dcs.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.ConsulStandIn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the contract kit does not cover: Consul-specific behaviour of the {@code consul} provider against the
 * testkit's stand-in (session TTL floor, key locking as Patroni does it, ACL token, datacenter, service registration,
 * change kinds of the watch).
 */
class ConsulBackendTest {
    private static final DcsTimings TIMINGS = new DcsTimings(Duration.ofSeconds(4), Duration.ofSeconds(1),
            Duration.ofSeconds(2));
    private final List<AutoCloseable> resources = new ArrayList<>();
    private ConsulStandIn consul;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        if (consul != null) {
            consul.close();
        }
    }

    private DcsClient open(String scope, String member, Object... options) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("url", consul.url());
        for (int i = 0; i < options.length; i += 2) {
            section.put((String) options[i], options[i + 1]);
        }
        DcsClient c = new ConsulDcsProvider().open(new ConfigSection("consul", section),
                FakeDcsContext.of("/service/", scope, member, TIMINGS));
        resources.add(c);
        return c;
    }

    private static MemberData member(String role, String state) {
        return MemberData.builder().put("conn_url", "postgres://10.0.0.7:5433/postgres")
                .put("api_url", "http://10.0.0.7:8009/patroni").put("state", state).put("role", role)
                .put("version", "4.1.4").build();
    }

    @Test
    @DisplayName("leader and member keys sit at service/<scope>/..., each locked by its own session; the agent's session_ttl_min raises ttl/2")
    void keysSessionsAndTtlFloor() {
        consul = ConsulStandIn.launch(); // Consul's default session_ttl_min: 10 s, above ttl/2 = 2 s
        DcsClient c = open("batman", "node1");
        assertEquals(Optional.of(Duration.ofSeconds(20)), c.grantedLeaseTtl(),
                "learned from agent/self at open: sessions of 10 s, so the lock lives 20 s, not ttl 4 s");
        assertTrue(c.acquireLeader());
        c.publishMember(member("primary", "running"));
        Map<String, String> keys = consul.values("service/batman/");
        assertEquals("node1", keys.get("service/batman/leader"));
        assertTrue(keys.containsKey("service/batman/members/node1"), keys.toString());
        String leaderSession = consul.lockHolder("service/batman/leader").orElseThrow();
        String memberSession = consul.lockHolder("service/batman/members/node1").orElseThrow();
        assertFalse(leaderSession.equals(memberSession), "the lock and the member key share a session");
        assertEquals(Optional.of(Duration.ofSeconds(10)), consul.sessionTtl(leaderSession));
        assertEquals(Optional.of(Duration.ofSeconds(10)), consul.sessionTtl(memberSession));
        assertEquals(Optional.of(leaderSession), c.read().leader().map(l -> l.session()));
        assertTrue(c.refreshLeader());
    }

    @Test
    @DisplayName("a new incarnation of the leader moves its lock from the old session to its own, as Patroni does")
    void leaderRebindsAfterRestart() {
        consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
        DcsClient before = open("robin", "node1");
        assertEquals(Optional.empty(), before.grantedLeaseTtl(), "session_ttl_min 1 s: ttl/2 sessions, the lock lives ttl");
        assertTrue(before.acquireLeader());
        String oldSession = consul.lockHolder("service/robin/leader").orElseThrow();
        before.close();
        DcsClient after = open("robin", "node1");
        assertFalse(after.acquireLeader(), "the lock exists: acquiring is not a win");
        assertTrue(after.refreshLeader(), "the same member must be able to keep its lock after a restart");
        String newSession = consul.lockHolder("service/robin/leader").orElseThrow();
        assertFalse(newSession.equals(oldSession));
        assertTrue(after.read().isLeader("node1"));
        assertFalse(open("robin", "node2").refreshLeader());
    }

    @Test
    @DisplayName("with an ACL token every call carries it; without it operations fail naming the token")
    void aclToken() {
        consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).requireToken("t0ken").start();
        DcsClient ok = open("joker", "node1", "token", "t0ken");
        assertTrue(ok.acquireLeader());
        assertTrue(ok.writeConfig(Map.of("ttl", 30), Precondition.absent()));
        ok.publishMember(member("primary", "running"));
        RecordingListener rec = new RecordingListener();
        ok.watch(rec);
        assertTrue(ok.releaseLeader());
        Timing.await(Timing.current().seconds(5), () -> rec.kinds.contains(ChangeKind.LEADER), () -> "no watch call");

        DcsClient anonymous = open("joker", "node2");
        DcsUnavailableException e = assertThrows(DcsUnavailableException.class, anonymous::read);
        assertTrue(e.getMessage().contains("consul.token"), e.getMessage());
    }

    @Test
    @DisplayName("dc is sent with every call: the agent's own works, an unknown one fails within retry_timeout")
    void datacenter() {
        consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
        DcsClient own = open("ivy", "node1", "dc", ConsulStandIn.DATACENTER);
        assertTrue(own.acquireLeader());
        DcsClient elsewhere = open("ivy", "node2", "dc", "dc9");
        long t0 = System.nanoTime();
        assertThrows(DcsUnavailableException.class, elsewhere::read);
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(TIMINGS.retryTimeout().plusSeconds(2)) < 0);
    }

    @Test
    @DisplayName("register_service: registered with role tags and an HTTP check on the member's REST API while running, "
            + "re-registered on a role change, deregistered when PostgreSQL stops")
    void serviceRegistration() {
        consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
        DcsClient c = open("Two.Face_db", "node1", "register_service", true, "service_tags", List.of("pg", "prod"),
                "service_check_interval", "7s");
        c.publishMember(member("uninitialized", "starting"));
        assertEquals(Map.of(), consul.services(), "nothing to register before PostgreSQL runs");

        c.publishMember(member("primary", "running"));
        Map<String, Object> svc = consul.services().get("Two.Face_db/node1");
        assertEquals("two-face-db", svc.get("Name"));
        assertEquals(List.of("pg", "prod", "primary", "master"), svc.get("Tags"));
        assertEquals("10.0.0.7", svc.get("Address"));
        assertEquals(5433L, ((Number) svc.get("Port")).longValue());
        Map<?, ?> check = (Map<?, ?>) svc.get("Check");
        assertEquals("http://10.0.0.7:8009/primary", check.get("HTTP"));
        assertEquals("7s", check.get("Interval"));
        assertEquals("20s", check.get("DeregisterCriticalServiceAfter"), "5 x ttl");

        int requests = consul.requestCount();
        c.publishMember(member("primary", "running"));
        assertEquals(requests + 2, consul.requestCount(),
                "an unchanged registration is not sent again: only the session renewal and the member write");

        c.publishMember(member("replica", "running"));
        assertEquals(List.of("pg", "prod", "replica"), consul.services().get("Two.Face_db/node1").get("Tags"));
        assertEquals("http://10.0.0.7:8009/replica",
                ((Map<?, ?>) consul.services().get("Two.Face_db/node1").get("Check")).get("HTTP"));

        c.publishMember(member("replica", "stopped"));
        assertEquals(Map.of(), consul.services());
    }

    @Test
    @DisplayName("the watch says what changed: config, members, failover, leader")
    void watchKinds() {
        consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
        DcsClient writer = open("penguin", "node1");
        RecordingListener rec = new RecordingListener();
        open("penguin", "node2").watch(rec);
        assertTrue(writer.writeConfig(Map.of("ttl", 30), Precondition.any()));
        Timing.await(Timing.current().seconds(5), () -> rec.kinds.contains(ChangeKind.CONFIG), () -> "kinds " + rec.kinds);
        writer.publishMember(member("replica", "running"));
        Timing.await(Timing.current().seconds(5), () -> rec.kinds.contains(ChangeKind.MEMBERS), () -> "kinds " + rec.kinds);
        assertTrue(writer.writeFailover(new io.pgha.spi.dcs.FailoverRequest(0, Optional.of("node1"), Optional.empty(),
                Optional.empty()), Precondition.any()));
        Timing.await(Timing.current().seconds(5), () -> rec.kinds.contains(ChangeKind.FAILOVER), () -> "kinds " + rec.kinds);
        assertFalse(rec.kinds.contains(ChangeKind.LEADER), "no leader change happened: " + rec.kinds);
    }

    private static final class RecordingListener implements io.pgha.spi.dcs.ClusterChangeListener {
        final List<ChangeKind> kinds = new CopyOnWriteArrayList<>();

        @Override
        public void clusterChanged(ChangeKind what) {
            kinds.add(what);
        }
    }
}
