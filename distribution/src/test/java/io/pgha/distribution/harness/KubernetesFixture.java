package io.pgha.distribution.harness;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.pgha.dcs.kubernetes.NonBlockingWatchDispatcher;
import io.pgha.spi.json.Json;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * fabric8's mock Kubernetes API server in CRUD mode, in the test JVM on 127.0.0.1 (no real API server can be had
 * here); members use Patroni's {@code kubernetes} section with a kubeconfig that points at it. The member pods
 * {@code n1..n9} exist from the start, as their StatefulSet would create them: on Kubernetes a member is the pod of
 * its name. Stop and start close and reopen the port with the same objects; a freeze (SIGSTOP) is impossible for a
 * server inside the test JVM.
 */
public final class KubernetesFixture implements DcsFixture {
    public static final String NAMESPACE = "pgha-it";
    private final KubernetesCrudDispatcher dispatcher = new NonBlockingWatchDispatcher();
    private final int port;
    private final Path kubeconfig;
    private KubernetesMockServer server;

    private KubernetesFixture(int port, Path kubeconfig) {
        this.port = port;
        this.kubeconfig = kubeconfig;
    }

    /** Starts the mock on a free loopback port and creates the member pods. */
    public static KubernetesFixture launch() {
        // not port 0: the outage tests close and reopen the port, and nothing else may take it meanwhile
        int port = LoopbackPorts.next();
        try {
            Path dir = Files.createTempDirectory("pgha-k8s-it");
            Path kc = dir.resolve("kubeconfig");
            Files.writeString(kc, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: mock, cluster: {server: "http://127.0.0.1:%d"}}]
                    contexts: [{name: pgha-it, context: {cluster: mock, user: it}}]
                    current-context: pgha-it
                    users: [{name: it, user: {token: unused}}]
                    """.formatted(port), StandardCharsets.UTF_8);
            KubernetesFixture f = new KubernetesFixture(port, kc);
            f.start();
            try (KubernetesClient k = f.client()) {
                for (int i = 1; i <= 9; i++) {
                    k.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName("n" + i)
                            .withLabels(Map.of("application", "pgha-it")).endMetadata().withNewSpec()
                            .addNewContainer().withName("postgres").withImage("pgha").endContainer().endSpec()
                            .build()).create();
                }
            }
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port)
                .withRequestRetryBackoffLimit(0).withRequestTimeout(5000).withNamespace(NAMESPACE).build()).build();
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String configYaml() {
        return "kubernetes: {namespace: " + NAMESPACE + ", labels: {application: pgha-it}, kubeconfig: \"" + kubeconfig
                + "\"}";
    }

    @Override
    public synchronized void start() {
        if (server != null) {
            return;
        }
        RuntimeException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                    dispatcher, false);
            try {
                s.init(InetAddress.getLoopbackAddress(), port);
                server = s;
                return;
            } catch (RuntimeException e) {
                last = last == null ? e : last;
                try {
                    s.destroy();
                } catch (RuntimeException ignored) {
                    // never started
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException("cannot serve the mock API on 127.0.0.1:" + port, last);
    }

    @Override
    public synchronized void stop() {
        if (server != null) {
            server.destroy();
            server = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public void freeze() {
        throw new UnsupportedOperationException("the mock API server runs inside the test JVM: it cannot be frozen");
    }

    @Override
    public void thaw() {
        throw new UnsupportedOperationException("the mock API server runs inside the test JVM: it cannot be frozen");
    }

    /**
     * The cluster as Patroni's key layout would show it, read from the objects: {@code leader} (the leader
     * ConfigMap's annotation), {@code initialize}, {@code config}, {@code history} (the config ConfigMap's),
     * {@code status} (optime and slots composed as the key-value stores keep them), {@code failsafe}, and
     * {@code members/<pod>} (each pod's {@code status} annotation).
     */
    @Override
    public SortedMap<String, String> readTree(String prefix) {
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        String scope = trimmed.substring(trimmed.lastIndexOf('/') + 1);
        SortedMap<String, String> out = new TreeMap<>();
        try (KubernetesClient k = client()) {
            ConfigMap leader = k.configMaps().inNamespace(NAMESPACE).withName(scope + "-leader").get();
            if (leader != null) {
                Map<String, String> a = annotations(leader.getMetadata().getAnnotations());
                put(out, prefix + "leader", a.get("leader"));
                put(out, prefix + "failsafe", a.get("failsafe"));
                if (a.containsKey("optime")) {
                    Map<String, Object> status = new LinkedHashMap<>();
                    status.put("optime", Long.parseLong(a.get("optime")));
                    status.put("slots", a.containsKey("slots") ? Json.parse(a.get("slots")) : Map.of());
                    out.put(prefix + "status", Json.write(status));
                }
            }
            ConfigMap config = k.configMaps().inNamespace(NAMESPACE).withName(scope + "-config").get();
            if (config != null) {
                Map<String, String> a = annotations(config.getMetadata().getAnnotations());
                for (String key : new String[] {"config", "initialize", "history"}) {
                    put(out, prefix + key, a.get(key));
                }
            }
            for (Pod p : k.pods().inNamespace(NAMESPACE).withLabels(Map.of("cluster-name", scope)).list()
                    .getItems()) {
                put(out, prefix + "members/" + p.getMetadata().getName(),
                        annotations(p.getMetadata().getAnnotations()).get("status"));
            }
        }
        return out;
    }

    private static Map<String, String> annotations(Map<String, String> a) {
        Map<String, String> out = new LinkedHashMap<>();
        if (a != null) {
            a.forEach((k, v) -> {
                if (v != null) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    private static void put(Map<String, String> out, String key, String value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    @Override
    public String logTail(int lines) {
        return "(fabric8's mock API server logs into the test output; it has no log file)\n";
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (RuntimeException e) {
            // never throws
        }
    }
}
