package io.pgha.dcs.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.MemberData;
import io.pgha.spi.dcs.Precondition;
import io.pgha.spi.dcs.SyncState;
import io.pgha.spi.json.Json;
import io.pgha.testkit.FakeDcsContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Patroni's Kubernetes layout, checked on the objects themselves (the contract kit's DCS-10 is for key-value stores):
 * object names, labels, annotation names and formats, pod status and role labels, the leader Endpoints' subsets,
 * Patroni-written objects read back, two clusters in one Kubernetes namespace, and a member without a pod.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesLayoutTest {
    private static final DcsTimings T = new DcsTimings(Duration.ofSeconds(4), Duration.ofSeconds(1),
            Duration.ofSeconds(2));
    private KubernetesKitFixture cm;
    private KubernetesKitFixture ep;
    private final List<DcsClient> clients = new ArrayList<>();

    @BeforeAll
    void start() {
        cm = new KubernetesKitFixture(false);
        ep = new KubernetesKitFixture(true);
    }

    @AfterAll
    void stop() {
        cm.close();
        ep.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(DcsClient::close);
        clients.clear();
    }

    private DcsClient open(KubernetesKitFixture f, String ns, String scope, String member) {
        f.ensurePod(ns, scope, member);
        DcsClient c = new KubernetesDcsProvider().open(new ConfigSection("kubernetes", f.section(ns)),
                FakeDcsContext.of("/service/", scope, member, T));
        clients.add(c);
        return c;
    }

    private static Map<String, String> ann(HasMetadata o) {
        Map<String, String> out = new LinkedHashMap<>();
        o.getMetadata().getAnnotations().forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static MemberData member(String role, String state) {
        return MemberData.builder().put("conn_url", "postgres://10.0.0.7:5432/postgres")
                .put("api_url", "http://10.0.0.7:8008/patroni").put("state", state).put("role", role)
                .put("version", "4.1.4").put("xlog_location", 67108960L).put("timeline", 2L).build();
    }

    @Test
    @DisplayName("ConfigMaps mode: <scope>-leader/-config/-failover/-sync with Patroni's labels and annotations")
    void configMapsLayout() {
        KubernetesClient k = cm.admin();
        DcsClient c = open(cm, "lay1", "batman", "node1");
        assertTrue(c.acquireLeader());
        c.publishMember(member("primary", "running"));
        assertTrue(c.writeConfig(Map.of("ttl", 30L, "loop_wait", 10L), Precondition.any()));
        assertTrue(c.writeInitialize("7234567890123456789", Precondition.absent()));
        assertTrue(c.writeHistory(List.of(new HistoryEntry(1, 50331808L, "no recovery target specified",
                Optional.of("2026-11-20T09:00:00+00:00"), Optional.of("node1"))), Precondition.any()));
        assertTrue(c.writeFailover(new FailoverRequest(0, Optional.of("node1"), Optional.of("node2"),
                Optional.of(OffsetDateTime.parse("2030-01-02T03:04:05+02:00"))), Precondition.any()));
        assertTrue(c.writeSync(new SyncState(0, Optional.of("node1"), List.of("node3", "node2"), Optional.of(1)),
                Precondition.any()));
        c.writeStatus(new LeaderStatus(67108960L, Map.of("node2", 67108000L), List.of("node3")));
        c.writeFailsafe(Map.of("node1", "http://10.0.0.7:8008/patroni"));

        List<ConfigMap> maps = k.configMaps().inNamespace("lay1").list().getItems();
        assertEquals(new TreeSet<>(List.of("batman-config", "batman-failover", "batman-leader", "batman-sync")),
                new TreeSet<>(maps.stream().map(m -> m.getMetadata().getName()).toList()));
        for (ConfigMap m : maps) {
            assertEquals(Map.of("application", "pgha-kit", "cluster-name", "batman"), m.getMetadata().getLabels(),
                    m.getMetadata().getName());
        }
        Map<String, String> leader = ann(k.configMaps().inNamespace("lay1").withName("batman-leader").get());
        assertEquals("node1", leader.get("leader"));
        for (String t : List.of("acquireTime", "renewTime")) {
            assertTrue(leader.get(t).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00"),
                    t + " " + leader.get(t));
        }
        assertEquals("4", leader.get("ttl"));
        assertEquals("0", leader.get("transitions"));
        assertEquals("67108960", leader.get("optime"));
        assertEquals("{\"node2\":67108000}", leader.get("slots"));
        assertEquals("[\"node3\"]", leader.get("retain_slots"));
        assertEquals("{\"node1\":\"http://10.0.0.7:8008/patroni\"}", leader.get("failsafe"));
        Map<String, String> config = ann(k.configMaps().inNamespace("lay1").withName("batman-config").get());
        assertEquals(Json.parse("{\"ttl\":30,\"loop_wait\":10}"), Json.parse(config.get("config")));
        assertFalse(config.get("config").contains(" "), "compact JSON: " + config.get("config"));
        assertEquals("7234567890123456789", config.get("initialize"));
        assertEquals("[[1,50331808,\"no recovery target specified\",\"2026-11-20T09:00:00+00:00\",\"node1\"]]",
                config.get("history"));
        assertEquals(Map.of("leader", "node1", "member", "node2", "scheduled_at", "2030-01-02T03:04:05+02:00"),
                ann(k.configMaps().inNamespace("lay1").withName("batman-failover").get()));
        assertEquals(Map.of("leader", "node1", "sync_standby", "node2,node3", "quorum", "1"),
                ann(k.configMaps().inNamespace("lay1").withName("batman-sync").get()));

        Pod pod = k.pods().inNamespace("lay1").withName("node1").get();
        assertEquals(member("primary", "running").toJson(), pod.getMetadata().getAnnotations().get("status"));
        assertEquals("primary", pod.getMetadata().getLabels().get("role"), "the holder's pod is labelled primary");

        assertTrue(c.clearFailover(Precondition.any()));
        assertTrue(c.releaseLeader());
        assertNull(ann(k.configMaps().inNamespace("lay1").withName("batman-leader").get()).get("leader"));
        assertEquals(Map.of(), ann(k.configMaps().inNamespace("lay1").withName("batman-failover").get()));
    }

    @Test
    @DisplayName("role labels follow the member: primary for the holder, replica for a running replica, none when stopped")
    void roleLabels() {
        KubernetesClient k = cm.admin();
        DcsClient a = open(cm, "lay2", "robin", "pod-a");
        DcsClient b = open(cm, "lay2", "robin", "pod-b");
        assertTrue(a.acquireLeader());
        a.publishMember(member("primary", "running"));
        b.publishMember(member("replica", "running"));
        assertEquals("primary", k.pods().inNamespace("lay2").withName("pod-a").get().getMetadata().getLabels()
                .get("role"));
        assertEquals("replica", k.pods().inNamespace("lay2").withName("pod-b").get().getMetadata().getLabels()
                .get("role"));
        b.publishMember(member("replica", "stopped"));
        assertNull(k.pods().inNamespace("lay2").withName("pod-b").get().getMetadata().getLabels().get("role"));
        assertTrue(a.releaseLeader());
        a.publishMember(member("demoted", "stopped"));
        assertNull(k.pods().inNamespace("lay2").withName("pod-a").get().getMetadata().getLabels().get("role"));
        assertEquals("robin", k.pods().inNamespace("lay2").withName("pod-a").get().getMetadata().getLabels()
                .get("cluster-name"), "the scope label stays");
    }

    @Test
    @DisplayName("Endpoints mode: the leader Endpoints <scope> carries pod_ip and ports while held, none after release")
    void endpointsPublishTheLeader() {
        KubernetesClient k = ep.admin();
        DcsClient c = open(ep, "lay3", "joker", "node1");
        assertTrue(c.acquireLeader());
        assertTrue(c.writeConfig(Map.of("ttl", 30L), Precondition.any()));
        Endpoints leader = k.endpoints().inNamespace("lay3").withName("joker").get();
        assertEquals("node1", leader.getMetadata().getAnnotations().get("leader"));
        assertEquals(1, leader.getSubsets().size());
        EndpointSubset s = leader.getSubsets().get(0);
        assertEquals("10.0.0.7", s.getAddresses().get(0).getIp());
        assertEquals(5432, s.getPorts().get(0).getPort());
        assertEquals("postgresql", s.getPorts().get(0).getName());
        assertTrue(k.endpoints().inNamespace("lay3").withName("joker-config").get() != null, "config Endpoints");
        assertTrue(k.services().inNamespace("lay3").withName("joker-config").get() != null,
                "the headless Service that protects the config Endpoints");
        assertTrue(c.releaseLeader());
        Endpoints after = k.endpoints().inNamespace("lay3").withName("joker").get();
        assertTrue(after.getSubsets() == null || after.getSubsets().isEmpty(), "subsets after release: "
                + after.getSubsets());
    }

    @Test
    @DisplayName("objects and pods written by Patroni (no pgha heartbeat, role master) read back as Patroni means them")
    void patroniWrittenCluster() {
        KubernetesClient k = cm.admin();
        String ns = "lay4";
        Map<String, String> labels = Map.of("application", "pgha-kit", "cluster-name", "alfred");
        k.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("alfred-leader")
                .withLabels(labels).withAnnotations(Map.of("leader", "alfred-0", "acquireTime",
                        "2026-12-05T10:00:00.000000+00:00", "renewTime", "2026-12-05T10:00:00.000000+00:00", "ttl",
                        "30", "transitions", "3", "optime", "67108960", "slots", "{\"alfred_1\":67108000}"))
                .endMetadata().build()).create();
        k.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("alfred-config")
                .withLabels(labels).withAnnotations(Map.of("config", "{\"ttl\":30,\"loop_wait\":10}", "initialize",
                        "7234567890123456789", "history", "[[1,50331808,\"no recovery target specified\"]]"))
                .endMetadata().build()).create();
        cm.ensurePod(ns, "alfred", "alfred-0");
        cm.ensurePod(ns, "alfred", "alfred-1");
        k.pods().inNamespace(ns).withName("alfred-0").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"labels\":{\"role\":\"master\"},\"annotations\":{\"status\":"
                        + Json.write("{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\",\"api_url\":"
                                + "\"http://10.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"master\","
                                + "\"version\":\"3.3.1\",\"xlog_location\":67108960,\"timeline\":2}") + "}}}");
        ClusterState s = open(cm, ns, "alfred", "reader").read();
        assertEquals(List.of(), s.warnings());
        assertEquals(Optional.of("alfred-0"), s.leader().map(l -> l.name()));
        assertEquals(List.of("alfred-0"), s.members().stream().map(Member::name).toList(),
                "a pod without a status annotation is not a member");
        assertEquals(Optional.of("master"), s.member("alfred-0").orElseThrow().data().role());
        assertEquals(67108960L, s.status().optime());
        assertEquals(Map.of("alfred_1", 67108000L), s.status().slots());
        assertEquals(Optional.of("7234567890123456789"), s.initialize());
        assertEquals(2, s.timeline());
    }

    @Test
    @DisplayName("two scopes in one Kubernetes namespace, one a prefix of the other, are kept apart by names and labels")
    void twoScopesOneNamespace() {
        DcsClient a = open(cm, "lay5", "gotham", "gotham-0");
        DcsClient b = open(cm, "lay5", "gotham2", "gotham2-0");
        assertTrue(a.acquireLeader());
        assertTrue(b.acquireLeader());
        a.publishMember(member("primary", "running"));
        b.publishMember(member("primary", "running"));
        assertTrue(a.writeConfig(Map.of("which", "a"), Precondition.any()));
        assertTrue(b.writeConfig(Map.of("which", "b"), Precondition.any()));
        ClusterState sa = a.read();
        assertEquals(List.of("gotham-0"), sa.members().stream().map(Member::name).toList());
        assertEquals(Optional.of("gotham-0"), sa.leader().map(l -> l.name()));
        assertEquals("a", sa.config().orElseThrow().data().get("which"));
        a.deleteCluster();
        ClusterState sb = b.read();
        assertEquals(Optional.of("gotham2-0"), sb.leader().map(l -> l.name()), "deleteCluster of a prefix scope");
        assertEquals(List.of("gotham2-0"), sb.members().stream().map(Member::name).toList());
        assertTrue(a.read().isUnlocked());
        assertEquals(List.of(), a.read().members());
    }

    @Test
    @DisplayName("a member whose pod does not exist is told so: the agent must run in a pod of its own name")
    void memberWithoutPod() {
        DcsClient c = new KubernetesDcsProvider().open(new ConfigSection("kubernetes", cm.section("lay6")),
                FakeDcsContext.of("/service/", "bane", "nopod", T));
        clients.add(c);
        DcsUnavailableException e = assertThrows(DcsUnavailableException.class,
                () -> c.publishMember(member("replica", "running")));
        assertTrue(e.getMessage().contains("no pod lay6/nopod"), e.getMessage());
    }
}
