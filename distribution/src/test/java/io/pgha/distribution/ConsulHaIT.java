package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.ConsulFixture;
import io.pgha.distribution.harness.DcsFixture;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The HA scenarios on Patroni's {@code consul} section, against the testkit's Consul stand-in (Consul's HTTP API for
 * KV, sessions, blocking queries and agent services, written from Consul's published API documentation; not a real
 * Consul: no Consul server can be installed on the CI machine). The stand-in runs in the test JVM on 127.0.0.1; the
 * three members are separate agent processes with real PostgreSQL.
 *
 * <p>Every scenario of {@link HaScenarios} applies: the stand-in stops and starts on the same port with its data, and
 * its freeze holds requests unanswered as SIGSTOP would. Added here: service registration ({@code register_service})
 * with role tags, and deregistration when a member's PostgreSQL stops.
 */
class ConsulHaIT extends HaScenarios {
    @Override
    protected DcsFixture startDcs() {
        return ConsulFixture.launch();
    }

    private Map<String, Map<String, Object>> services() {
        return ((ConsulFixture) dcs()).services();
    }

    private String serviceId(ClusterMember m) {
        return cluster().scope() + "/" + m.name();
    }

    @Test
    @Order(20)
    void membersRegisterServicesWithRoleTagsAndDeregisterWhenPostgresStops() throws Exception {
        TestCluster cluster = cluster();
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(30));
        List<ClusterMember> replicas = cluster.others(leader);
        Waits.awaitTrue("every member registered with its role's tags", Waits.seconds(30), () -> {
            Map<String, Map<String, Object>> s = services();
            return cluster.members().stream().allMatch(m -> s.containsKey(serviceId(m)))
                    && List.of("pgha-it", "primary", "master").equals(s.get(serviceId(leader)).get("Tags"))
                    && replicas.stream().allMatch(r -> List.of("pgha-it", "replica").equals(s.get(serviceId(r)).get("Tags")));
        }, () -> "services " + services());
        Map<String, Object> primary = services().get(serviceId(leader));
        assertEquals(cluster.scope(), primary.get("Name"), "service name from the scope");
        assertEquals("127.0.0.1", primary.get("Address"));
        assertEquals((long) leader.pgPort(), ((Number) primary.get("Port")).longValue());
        Map<?, ?> check = (Map<?, ?>) primary.get("Check");
        assertEquals("http://127.0.0.1:" + leader.restPort() + "/primary", check.get("HTTP"));
        assertEquals(200, leader.healthCheck("/primary"), "the check's URL answers 200 on the primary");
        reportLine("services: %s", services().keySet());

        ClusterMember replica = replicas.get(0);
        replica.sigterm();
        assertTrue(replica.awaitAgentExit(Waits.seconds(60)), replica + "'s agent did not exit after SIGTERM");
        assertTrue(!services().containsKey(serviceId(replica)),
                "deregistered when PostgreSQL stopped: services " + services().keySet());
        replica.start();
        cluster.awaitStreaming(replica, Waits.seconds(90));
        Waits.awaitTrue(replica + " registered again", Waits.seconds(30),
                () -> services().containsKey(serviceId(replica)), () -> "services " + services());
        reportLine("%s deregistered on stop and registered again once running", replica);
    }

    @Override
    @Test
    @Disabled(ENGINE_LEVEL)
    void frozenLeaderAgentIsFencedReplacedAndRejoinsOnResume() {
    }

    @Override
    @Test
    @Disabled(ENGINE_LEVEL)
    void memberWithForeignDataDirectoryIsRefused() {
    }
}
