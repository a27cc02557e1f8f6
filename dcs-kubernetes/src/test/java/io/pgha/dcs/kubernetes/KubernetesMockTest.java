package io.pgha.dcs.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What fabric8's CRUD mock API server enforces of the API server behaviour the backend relies on, checked directly
 * (no provider involved), so that the README can say which parts of the contract kit's verdict rest on the mock and
 * which are proved another way (KubernetesAnswersTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesMockTest {
    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
    private MockApiServer api;
    private KubernetesClient k8s;

    @BeforeAll
    void start() {
        api = MockApiServer.start();
        k8s = api.client();
    }

    @AfterAll
    void stop() {
        k8s.close();
        api.close();
    }

    private ConfigMap create(String ns, String name, Map<String, String> labels) {
        return k8s.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .withLabels(labels).withAnnotations(Map.of("leader", "a")).endMetadata().build()).create();
    }

    private static String patch(String rv, String leader) {
        return "{\"metadata\":{" + (rv == null ? "" : "\"resourceVersion\":\"" + rv + "\",")
                + "\"annotations\":{\"leader\":" + (leader == null ? "null" : "\"" + leader + "\"") + "}}}";
    }

    @Test
    @DisplayName("enforced: a merge patch carrying a stale metadata.resourceVersion is refused with 409")
    void stalePatchConflicts() {
        ConfigMap cm = create("mock1", "cas", Map.of());
        String rv = cm.getMetadata().getResourceVersion();
        ConfigMap after = k8s.configMaps().inNamespace("mock1").withName("cas").patch(MERGE, patch(rv, "b"));
        assertNotEquals(rv, after.getMetadata().getResourceVersion(), "a write bumps resourceVersion");
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> k8s.configMaps().inNamespace("mock1").withName("cas").patch(MERGE, patch(rv, "c")));
        assertEquals(409, e.getCode());
        assertEquals("b", k8s.configMaps().inNamespace("mock1").withName("cas").get().getMetadata().getAnnotations()
                .get("leader"));
    }

    @Test
    @DisplayName("enforced: creating an object that exists is refused with 409")
    void createConflicts() {
        create("mock2", "dup", Map.of());
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> create("mock2", "dup", Map.of()));
        assertEquals(409, e.getCode());
    }

    @Test
    @DisplayName("NOT enforced atomically: of 8 patches racing with one resourceVersion, more than one may win")
    void racingPatchesOneWins() throws Exception {
        create("mock3", "race", Map.of());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        int roundsWithSeveralWinners = 0;
        try {
            for (int round = 0; round < 20; round++) {
                String rv = k8s.configMaps().inNamespace("mock3").withName("race").get().getMetadata()
                        .getResourceVersion();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    String me = "w" + i;
                    results.add(pool.submit(() -> {
                        go.await();
                        try {
                            k8s.configMaps().inNamespace("mock3").withName("race").patch(MERGE, patch(rv, me));
                            return true;
                        } catch (KubernetesClientException e) {
                            if (e.getCode() == 409) {
                                return false;
                            }
                            throw e;
                        }
                    }));
                }
                go.countDown();
                int wins = 0;
                for (Future<Boolean> f : results) {
                    wins += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
                }
                // a real API server checks and writes in one etcd transaction: exactly one wins; the mock checks the
                // version and writes in two steps, so that racing writers can all pass the check
                assertTrue(wins >= 1, "round " + round + ": nobody won");
                if (wins > 1) {
                    roundsWithSeveralWinners++;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("mock: " + roundsWithSeveralWinners + " of 20 rounds of 8 racing compare-and-set patches had "
                + "more than one winner");
    }

    @Test
    @DisplayName("not as a real API server: a merge patch's null leaves the annotation key behind with a null value")
    void nullAnnotationKeptAsNull() {
        create("mock4", "nulls", Map.of());
        ConfigMap after = k8s.configMaps().inNamespace("mock4").withName("nulls").patch(MERGE, patch(null, null));
        Map<String, String> ann = after.getMetadata().getAnnotations();
        // a real API server removes the key (RFC 7386); the backend treats a null-valued annotation as absent, so
        // it reads both the same; this records which one the mock does
        assertTrue(ann == null || ann.get("leader") == null, "the annotation still has a value: " + ann);
        System.out.println("mock: after a null merge patch the annotations are " + ann + " (key kept: "
                + (ann != null && ann.containsKey("leader")) + ")");
    }

    @Test
    @DisplayName("enforced: a watch with a label selector hears only the objects it selects")
    void labelSelectorWatch() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch seen = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(2);
        Watch w = k8s.configMaps().inNamespace("mock5").withLabels(Map.of("cluster-name", "a")).watch(
                new Watcher<ConfigMap>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap cm) {
                        events.add(action + " " + cm.getMetadata().getName());
                        seen.countDown();
                        second.countDown();
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
        try {
            create("mock5", "other", Map.of("cluster-name", "a2"));
            create("mock5", "mine", Map.of("cluster-name", "a"));
            assertTrue(seen.await(10, TimeUnit.SECONDS), "no event");
            // give a wrongly delivered event of the other object a bounded chance to arrive (it came first)
            second.await(300, TimeUnit.MILLISECONDS);
        } finally {
            w.close();
        }
        assertEquals(List.of("ADDED mine"), events);
    }

    @Test
    @DisplayName("worked around: closing watches with events still on their way does not stop the mock from serving "
            + "(NonBlockingWatchDispatcher)")
    void closingWatchesWithEventsInFlight() throws Exception {
        create("mock6", "busy", Map.of());
        // fabric8's own dispatcher froze the event loop for 30 s in such a round now and then; 10 s tells the two
        // apart on a loaded machine
        try (KubernetesClient patient = api.client(Duration.ofSeconds(10))) {
            for (int round = 0; round < 60; round++) {
                CountDownLatch first = new CountDownLatch(1);
                Watch w = patient.configMaps().inNamespace("mock6").withName("busy").watch(new Watcher<ConfigMap>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap cm) {
                        first.countDown();
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
                assertTrue(first.await(10, TimeUnit.SECONDS), "round " + round + ": the watch never started");
                for (int i = 0; i < 3; i++) {
                    patient.configMaps().inNamespace("mock6").withName("busy").patch(MERGE, patch(null, "r" + round
                            + "-" + i));
                }
                w.close();
                ConfigMap now = patient.configMaps().inNamespace("mock6").withName("busy").get();
                assertEquals("r" + round + "-2", now.getMetadata().getAnnotations().get("leader"), "round " + round);
            }
        }
    }
}
