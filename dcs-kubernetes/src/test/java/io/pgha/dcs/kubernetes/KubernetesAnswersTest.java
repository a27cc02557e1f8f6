package io.pgha.dcs.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.LeaderStatus;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.FakeDcsContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The API server's answers the CRUD mock never gives, scripted with the mock in expectations mode: a 409 the client
 * did not cause itself (another writer between its read and its write), 503 and the retriable codes, 403 from RBAC.
 * The CRUD mock does enforce resourceVersion conflicts (KubernetesMockTest), so these only add the paths it cannot
 * reach on purpose: a conflict on a refresh (re-read and retry), and status codes it never returns.
 */
class KubernetesAnswersTest {
    private static final String NS = "answers";
    private static final String PATH = "/api/v1/namespaces/" + NS + "/configmaps/";
    private KubernetesMockServer server;
    private Path kubeconfig;
    private final List<DcsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new KubernetesMockServer(false);
        server.init();
        kubeconfig = Files.createTempDirectory("pgha-k8s-answers").resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: m, cluster: {server: "http://127.0.0.1:%d"}}]
                contexts: [{name: m, context: {cluster: m, user: u}}]
                current-context: m
                users: [{name: u, user: {token: t}}]
                """.formatted(server.getPort()), StandardCharsets.UTF_8);
    }

    @AfterEach
    void stop() {
        clients.forEach(DcsClient::close);
        server.destroy();
    }

    private DcsClient open(String member, Object retriable) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("namespace", NS);
        s.put("kubeconfig", kubeconfig.toString());
        if (retriable != null) {
            s.put("retriable_http_codes", retriable);
        }
        DcsClient c = new KubernetesDcsProvider().open(new ConfigSection("kubernetes", s), FakeDcsContext.of(
                "/service/", "batman", member, new DcsTimings(Duration.ofSeconds(30), Duration.ofSeconds(10),
                        Duration.ofSeconds(3))));
        clients.add(c);
        return c;
    }

    private static ConfigMap leader(String rv, String holder) {
        Map<String, String> ann = new LinkedHashMap<>();
        if (holder != null) {
            ann.put("leader", holder);
            ann.put("renewTime", "2026-12-05T10:00:00.000000+00:00");
            ann.put("ttl", "30");
        }
        return new ConfigMapBuilder().withNewMetadata().withName("batman-leader").withNamespace(NS)
                .withResourceVersion(rv).withAnnotations(ann).endMetadata().build();
    }

    private static Object conflict() {
        return new StatusBuilder().withCode(409).withReason("Conflict").withMessage("the object has been modified")
                .build();
    }

    private List<String> patches() throws InterruptedException {
        List<String> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            if (r.getMethod().equals("PATCH")) {
                out.add(r.getPath() + " " + r.getBody().readUtf8());
            }
        }
        return out;
    }

    @Test
    @DisplayName("a 409 on acquiring (another member wrote first) is a lost race: false, no exception, no retry")
    void acquireConflictIsALostRace() throws Exception {
        server.expect().get().withPath(PATH + "batman-leader").andReturn(200, leader("7", null)).always();
        server.expect().patch().withPath(PATH + "batman-leader").andReturn(409, conflict()).once();
        assertFalse(open("node1", null).acquireLeader());
        List<String> p = patches();
        assertEquals(1, p.size(), "one compare-and-set, no retry: " + p);
        assertTrue(p.get(0).contains("\"resourceVersion\":\"7\""), "the patch carries the version read: " + p);
    }

    @Test
    @DisplayName("a 409 on a versioned config write is a lost race: false")
    void versionedWriteConflict() {
        ConfigMap config = new ConfigMapBuilder().withNewMetadata().withName("batman-config").withNamespace(NS)
                .withResourceVersion("13").endMetadata().build();
        server.expect().get().withPath(PATH + "batman-config").andReturn(200, config).always();
        server.expect().patch().withPath(PATH + "batman-config").andReturn(409, conflict()).once();
        assertFalse(open("node1", null).writeConfig(Map.of("ttl", 30L), Precondition.version(12)));
    }

    @Test
    @DisplayName("a 409 on refreshing reads the lock again and retries with the new version, as Patroni does")
    void refreshConflictRereads() throws Exception {
        DcsClient c = open("node1", null);
        // fabric8's patch() reads the object before it sends the patch: each attempt is two GETs and a PATCH
        server.expect().get().withPath(PATH + "batman-leader").andReturn(200, leader("7", "node1")).times(2);
        server.expect().patch().withPath(PATH + "batman-leader").andReturn(409, conflict()).once();
        server.expect().get().withPath(PATH + "batman-leader").andReturn(200, leader("8", "node1")).always();
        server.expect().patch().withPath(PATH + "batman-leader").andReturn(200, leader("9", "node1")).once();
        assertTrue(c.refreshLeader());
        List<String> p = patches();
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(1).contains("\"resourceVersion\":\"8\""), "the retry carries the new version: " + p);
    }

    @Test
    @DisplayName("503 and the configured retriable_http_codes are retried within retry_timeout")
    void retriableCodesRetried() {
        server.expect().get().withPath(PATH + "batman-leader").andReturn(200, leader("3", null)).always();
        server.expect().patch().withPath(PATH + "batman-leader").andReturn(503, "busy").once();
        server.expect().patch().withPath(PATH + "batman-leader").andReturn(429, "slow down").once();
        server.expect().patch().withPath(PATH + "batman-leader").andReturn(200, leader("3", null)).once();
        open("node1", List.of(429)).writeStatus(new LeaderStatus(42, Map.of(), List.of()));
    }

    @Test
    @DisplayName("a code that is not retriable fails at once with the reason; 403 names the missing permission")
    void forbiddenExplained() {
        server.expect().get().withPath(PATH + "batman-leader").andReturn(200, leader("3", null)).always();
        server.expect().patch().withPath(PATH + "batman-leader").andReturn(403, "forbidden").always();
        DcsUnavailableException e = assertThrows(DcsUnavailableException.class,
                () -> open("node1", null).writeStatus(new LeaderStatus(42, Map.of(), List.of())));
        assertTrue(e.getMessage().contains("403") && e.getMessage().contains("service account"), e.getMessage());
    }

    @Test
    @DisplayName("503 for longer than retry_timeout is the store being unavailable, within the bound")
    void unavailableWithinBound() {
        server.expect().get().withPath(PATH + "batman-leader").andReturn(200, leader("3", null)).always();
        server.expect().patch().withPath(PATH + "batman-leader").andReturn(503, "busy").always();
        DcsClient c = open("node1", null);
        long t0 = System.nanoTime();
        assertThrows(DcsUnavailableException.class, () -> c.writeStatus(new LeaderStatus(42, Map.of(), List.of())));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 2000 && ms < 5000, "gave up after " + ms + " ms with retry_timeout 3 s");
    }
}
