package io.pgha.dcs.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.json.Json;
import io.pgha.spi.json.JsonException;
import io.pgha.testkit.Timing;
import io.pgha.testkit.dcs.DcsCapability;
import io.pgha.testkit.dcs.DcsKitFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The contract kit's fixture for Kubernetes: fabric8's mock API server in CRUD mode on loopback, clients opened
 * through the {@code kubernetes} provider with a kubeconfig pointing at it, in ConfigMaps or Endpoints mode.
 *
 * <p><b>One Kubernetes namespace per cluster.</b> On Kubernetes a member is the pod of its name, and the kit reuses
 * member names ({@code node1}, {@code holder}, ...) in many clusters at once; pod names are unique per namespace, so
 * each (DCS namespace, scope) pair gets its own Kubernetes namespace here, the way two clusters whose pods share
 * names would be deployed. Two scopes in one Kubernetes namespace are checked by {@link KubernetesBackendTest}.
 *
 * <p><b>Pods.</b> An agent runs in its own pod, which its StatefulSet created with the cluster's labels: before a
 * client opens, the fixture creates that pod if it is missing.
 *
 * <p><b>Raw access</b> writes Patroni's values where Patroni's Kubernetes layout keeps them, bypassing the provider:
 * {@code leader}, {@code failsafe} on the leader object; {@code config}, {@code initialize}, {@code history} on
 * {@code <scope>-config}; {@code members/<name>} as the pod's {@code status}. The values Patroni spreads over
 * several annotations ({@code status}: optime, slots, retain_slots; {@code failover}: leader, member, scheduled_at;
 * {@code sync}: leader, sync_standby, quorum) are written field by field when the value is a JSON object, and
 * otherwise verbatim into the one annotation of each whose text has a syntax (optime, scheduled_at, quorum), which is
 * where garbage can sit in that layout. {@code KEY_VALUE_LAYOUT} does not apply: there are no keys under
 * {@code <namespace><scope>/}; {@link KubernetesLayoutTest} checks the object layout instead.
 */
final class KubernetesKitFixture implements DcsKitFixture {
    static final Map<String, String> LABELS = Map.of("application", "pgha-kit");
    private static final String SCOPE_LABEL = "cluster-name";
    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

    private final MockApiServer api;
    private final Path kubeconfig;
    private final KubernetesClient admin;
    private final boolean endpoints;
    private final Queue<PendingPod> podsAwaitingServer = new ConcurrentLinkedQueue<>();

    /** The pod of a member opened while the server was stopped. */
    private record PendingPod(String namespace, String scope, String name) {
    }

    KubernetesKitFixture(boolean endpoints) {
        this.endpoints = endpoints;
        this.api = MockApiServer.start();
        try {
            this.kubeconfig = api.writeKubeconfig(Files.createTempDirectory("pgha-k8s-kit"));
        } catch (java.io.IOException e) {
            api.close();
            throw new java.io.UncheckedIOException(e);
        }
        this.admin = api.client();
    }

    MockApiServer api() {
        return api;
    }

    KubernetesClient admin() {
        return admin;
    }

    /** The Kubernetes namespace of one cluster (see the class comment). */
    static String k8sNamespace(String dcsNamespace, String scope) {
        String base = (dcsNamespace + "-" + scope).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (base.length() > 63) {
            base = base.substring(0, 54) + "-" + Integer.toHexString(base.hashCode());
        }
        return base;
    }

    Map<String, Object> section(String k8sNamespace) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("namespace", k8sNamespace);
        s.put("kubeconfig", kubeconfig.toString());
        s.put("labels", LABELS);
        if (endpoints) {
            s.put("use_endpoints", true);
            s.put("pod_ip", "10.0.0.7");
            s.put("ports", List.of(Map.of("name", "postgresql", "port", 5432)));
        }
        return s;
    }

    @Override
    public DcsClient open(DcsContext context) {
        String ns = k8sNamespace(context.namespace(), context.scope());
        try {
            ensurePod(ns, context.scope(), context.memberName());
        } catch (KubernetesClientException e) {
            if (e.getCode() > 0) {
                throw e;
            }
            // the server is stopped (DCS-6): the pod existed before the outage in real life; create it once it is back
            createLater(ns, context.scope(), context.memberName());
        }
        return new KubernetesDcsProvider().open(new ConfigSection("kubernetes", section(ns)), context);
    }

    /** Remembers a pod to create as soon as the server is back: {@link #startServer()} creates it before returning. */
    private void createLater(String ns, String scope, String name) {
        podsAwaitingServer.add(new PendingPod(ns, scope, name));
    }

    /** Creates the member's pod with the cluster's labels, as its StatefulSet would, unless it exists. */
    void ensurePod(String ns, String scope, String name) {
        if (admin.pods().inNamespace(ns).withName(name).get() != null) {
            return;
        }
        Map<String, String> labels = new LinkedHashMap<>(LABELS);
        labels.put(SCOPE_LABEL, scope);
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("postgres").withImage("pgha").endContainer().endSpec()
                .build();
        try {
            admin.pods().inNamespace(ns).resource(pod).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    /**
     * 3 s instead of 2: nothing expires in the store; each client judges the lock from when it first saw it, and a
     * client whose watch has not synced yet (the kit starts its timed scenarios all at once, right after opening)
     * first sees it on its first read, up to a second or two late on a cold, loaded JVM.
     */
    @Override
    public java.time.Duration expiryTolerance() {
        return Timing.current().seconds(3);
    }

    /**
     * A real API server refuses objects whose annotations total more than 256 KiB; 200 KiB is still far past
     * {@link io.pgha.spi.dcs.PatroniLayout#MAX_MEMBER_VALUE} (and the mock stalls its watches on the kit's 900 KiB).
     */
    @Override
    public int hugeValueSize() {
        return 200 * 1024;
    }

    @Override
    public Set<DcsCapability> capabilities() {
        return EnumSet.of(DcsCapability.SERVER_RESTART, DcsCapability.RAW_ACCESS);
    }

    @Override
    public Map<DcsCapability, String> unsupported() {
        return Map.of(DcsCapability.KEY_VALUE_LAYOUT, "Patroni keeps its Kubernetes state as annotations on "
                + "ConfigMaps/Endpoints and pods, not as keys under <namespace><scope>/ (the capability's own "
                + "definition leaves Kubernetes out); KubernetesLayoutTest checks the objects, labels and annotations");
    }

    @Override
    public void stopServer() {
        api.stop();
    }

    @Override
    public void startServer() {
        api.restart();
        // the pods of members opened during the outage existed all along in real life: they are there before any
        // client can reach the server again
        for (PendingPod pod; (pod = podsAwaitingServer.poll()) != null; ) {
            PendingPod p = pod;
            Timing.await(Timing.current().seconds(10), () -> {
                try {
                    ensurePod(p.namespace(), p.scope(), p.name());
                    return true;
                } catch (KubernetesClientException e) {
                    return false;
                }
            }, () -> "creating pod " + p.namespace() + "/" + p.name() + " once the mock API server was back");
        }
    }

    private String leaderObject(String scope) {
        return endpoints ? scope : scope + "-leader";
    }

    @Override
    public void writeRaw(String namespace, String scope, String relativeKey, String value) {
        String ns = k8sNamespace(namespace, scope);
        Map<String, String> ann = new LinkedHashMap<>();
        String object;
        switch (relativeKey) {
            case "leader", "failsafe" -> {
                object = leaderObject(scope);
                ann.put(relativeKey, value);
            }
            case "config", "initialize", "history" -> {
                object = scope + "-config";
                ann.put(relativeKey, value);
            }
            case "status" -> {
                object = leaderObject(scope);
                spread(value, "optime", ann);
            }
            case "failover" -> {
                object = scope + "-failover";
                spread(value, "scheduled_at", ann);
            }
            case "sync" -> {
                object = scope + "-sync";
                spread(value, "quorum", ann);
            }
            default -> {
                if (!relativeKey.startsWith("members/")) {
                    throw new IllegalArgumentException("no place for key " + relativeKey + " in Patroni's Kubernetes "
                            + "layout");
                }
                String pod = relativeKey.substring("members/".length());
                ensurePod(ns, scope, pod);
                admin.pods().inNamespace(ns).withName(pod).patch(MERGE,
                        Json.write(Map.of("metadata", Map.of("annotations", Map.of("status", value)))));
                return;
            }
        }
        patchOrCreate(ns, scope, object, ann);
    }

    /** A JSON object's fields as annotations (text verbatim, anything else as JSON); anything else into one. */
    private static void spread(String value, String fallback, Map<String, String> ann) {
        try {
            Json.parseObject(value).forEach((k, v) -> ann.put(k, v instanceof String s ? s : Json.write(v)));
        } catch (JsonException e) {
            ann.put(fallback, value);
        }
    }

    private void patchOrCreate(String ns, String scope, String name, Map<String, String> ann) {
        Map<String, String> labels = new LinkedHashMap<>(LABELS);
        labels.put(SCOPE_LABEL, scope);
        HasMetadata existing = admin.resources(kindClass()).inNamespace(ns).withName(name).get();
        if (existing == null) {
            HasMetadata obj = endpoints
                    ? new EndpointsBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels)
                            .withAnnotations(ann).endMetadata().build()
                    : new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels)
                            .withAnnotations(ann).endMetadata().build();
            admin.resource(obj).inNamespace(ns).create();
        } else {
            admin.resources(kindClass()).inNamespace(ns).withName(name).patch(MERGE, Json.write(Map.of("metadata", Map.of("annotations", ann))));
        }
    }

    private Class<? extends HasMetadata> kindClass() {
        return endpoints ? io.fabric8.kubernetes.api.model.Endpoints.class
                : io.fabric8.kubernetes.api.model.ConfigMap.class;
    }

    /** Every annotation of the cluster's objects and pods, keyed {@code <kind>/<name>#<annotation>}. */
    @Override
    public Map<String, String> readRaw(String namespace, String scope) {
        String ns = k8sNamespace(namespace, scope);
        Map<String, String> labels = new LinkedHashMap<>(LABELS);
        labels.put(SCOPE_LABEL, scope);
        Map<String, String> out = new TreeMap<>();
        String kindName = endpoints ? "endpoints" : "configmaps";
        for (HasMetadata o : admin.resources(kindClass()).inNamespace(ns).withLabels(labels).list().getItems()) {
            annotationsOf(o).forEach((k, v) -> out.put(kindName + "/" + o.getMetadata().getName() + "#" + k, v));
        }
        for (Pod p : admin.pods().inNamespace(ns).withLabels(labels).list().getItems()) {
            annotationsOf(p).forEach((k, v) -> out.put("pods/" + p.getMetadata().getName() + "#" + k, v));
        }
        return out;
    }

    private static Map<String, String> annotationsOf(HasMetadata o) {
        return o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations();
    }

    @Override
    public String describe() {
        return api + (endpoints ? ", Endpoints mode" : ", ConfigMaps mode");
    }

    @Override
    public void close() {
        try {
            admin.close();
        } finally {
            api.close();
        }
    }
}
