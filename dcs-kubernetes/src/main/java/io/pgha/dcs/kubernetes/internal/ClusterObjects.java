package io.pgha.dcs.kubernetes.internal;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pgha.spi.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API calls on one cluster's objects: the four "kind" objects ({@code <scope>-leader} or {@code <scope>},
 * {@code -config}, {@code -failover}, {@code -sync}; ConfigMaps, or Endpoints with {@code use_endpoints}) and the
 * members' pods. Every write is a JSON merge patch ({@code null} removes an annotation or label); a patch that
 * carries {@code metadata.resourceVersion} is a compare-and-set that the API server answers with 409 when the object
 * changed since. (fabric8's {@code patch} reads the object before it sends the patch; the version checked is still
 * the one in the patch body.) Each call goes through {@link ApiCalls}. Thread-safe.
 */
final class ClusterObjects {
    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

    private final KubernetesClient k8s;
    private final ApiCalls api;
    private final KubernetesSettings settings;
    private final String namespace;
    private final Map<String, String> selector;
    final String leaderName;
    final String configName;
    final String failoverName;
    final String syncName;

    ClusterObjects(KubernetesClient k8s, ApiCalls api, KubernetesSettings settings, String scope) {
        this.k8s = k8s;
        this.api = api;
        this.settings = settings;
        this.namespace = settings.namespace();
        this.selector = settings.selector(scope);
        this.leaderName = settings.useEndpoints() ? scope : scope + "-leader";
        this.configName = scope + "-config";
        this.failoverName = scope + "-failover";
        this.syncName = scope + "-sync";
    }

    Class<? extends HasMetadata> kind() {
        return settings.useEndpoints() ? Endpoints.class : ConfigMap.class;
    }

    String kindName() {
        return settings.useEndpoints() ? "endpoints" : "configmap";
    }

    Map<String, String> selector() {
        return selector;
    }

    String namespace() {
        return namespace;
    }

    /** The cluster's kind objects by name, from one list call with the cluster's label selector. */
    Map<String, HasMetadata> listKind() {
        List<? extends HasMetadata> items = api.call("list the " + kindName() + "s of " + describeSelector(),
                () -> k8s.resources(kind()).inNamespace(namespace).withLabels(selector).list().getItems());
        Map<String, HasMetadata> byName = new LinkedHashMap<>();
        for (HasMetadata o : items) {
            byName.put(o.getMetadata().getName(), o);
        }
        return byName;
    }

    /** One kind object, or empty if it does not exist. */
    Optional<HasMetadata> get(String name) {
        return Optional.ofNullable(api.call("read " + kindName() + " " + namespace + "/" + name,
                () -> k8s.resources(kind()).inNamespace(namespace).withName(name).get()));
    }

    /** The cluster's pods (members and pods not yet members), from one list call with the label selector. */
    List<Pod> listPods() {
        return api.call("list the pods of " + describeSelector(),
                () -> k8s.pods().inNamespace(namespace).withLabels(selector).list().getItems());
    }

    /**
     * Creates a kind object with the cluster's labels and {@code annotations} (null values left out).
     *
     * @throws ApiCalls.Answer 409 when it exists already
     */
    HasMetadata create(String name, Map<String, String> annotations, Optional<List<EndpointSubset>> subsets) {
        Map<String, String> ann = new LinkedHashMap<>();
        annotations.forEach((k, v) -> {
            if (v != null) {
                ann.put(k, v);
            }
        });
        HasMetadata obj;
        if (settings.useEndpoints()) {
            obj = new EndpointsBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(selector)
                    .withAnnotations(ann).endMetadata().withSubsets(subsets.orElse(List.of())).build();
        } else {
            obj = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                    .withLabels(selector).withAnnotations(ann).endMetadata().build();
        }
        return api.call("create " + kindName() + " " + namespace + "/" + name,
                () -> k8s.resource(obj).inNamespace(namespace).create());
    }

    /**
     * Merge-patches the annotations of a kind object (null removes one), only if it still has
     * {@code resourceVersion} when that is given, and replaces its subsets when given.
     *
     * @throws ApiCalls.Answer 409 on a changed object, 404 on a missing one
     */
    HasMetadata patch(String name, Map<String, String> annotations, Optional<String> resourceVersion,
            Optional<List<EndpointSubset>> subsets) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        // the labels go with every write, so that an object created without them (by hand) is found again
        metadata.put("labels", selector);
        metadata.put("annotations", annotations);
        resourceVersion.ifPresent(rv -> metadata.put("resourceVersion", rv));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("metadata", metadata);
        // an empty list is sent as null (field removed): the same for Endpoints, and fabric8's mock ignores "[]"
        subsets.ifPresent(s -> body.put("subsets", s.isEmpty() ? null : subsetsJson(s)));
        String json = Json.write(body);
        return api.call("patch " + kindName() + " " + namespace + "/" + name,
                () -> k8s.resources(kind()).inNamespace(namespace).withName(name).patch(MERGE, json));
    }

    /** Merge-patches a pod's labels and annotations (null removes one). */
    Pod patchPod(String pod, Map<String, String> labels, Map<String, String> annotations) {
        String json = podPatch(labels, annotations);
        return api.call("patch pod " + namespace + "/" + pod,
                () -> k8s.pods().inNamespace(namespace).withName(pod).patch(MERGE, json));
    }

    /** {@link #patchPod} in one attempt, without retries. */
    Pod patchPodOnce(String pod, Map<String, String> labels, Map<String, String> annotations) {
        String json = podPatch(labels, annotations);
        return api.callOnce("patch pod " + namespace + "/" + pod,
                () -> k8s.pods().inNamespace(namespace).withName(pod).patch(MERGE, json));
    }

    private static String podPatch(Map<String, String> labels, Map<String, String> annotations) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("labels", labels);
        metadata.put("annotations", annotations);
        return Json.write(Map.of("metadata", metadata));
    }

    /** Deletes a kind object; a missing one is not an error. */
    void delete(String name) {
        api.call("delete " + kindName() + " " + namespace + "/" + name,
                () -> k8s.resources(kind()).inNamespace(namespace).withName(name).delete());
    }

    /**
     * Creates the headless Service {@code <scope>-config} that keeps Kubernetes' endpoints controller away from the
     * config Endpoints, as Patroni does in Endpoints mode. Exists already: fine.
     */
    void createConfigService() {
        var svc = new ServiceBuilder().withNewMetadata().withName(configName).withNamespace(namespace)
                .withLabels(selector).endMetadata().withNewSpec().withClusterIP("None").endSpec().build();
        try {
            api.call("create service " + namespace + "/" + configName,
                    () -> k8s.resource(svc).inNamespace(namespace).create());
        } catch (ApiCalls.Answer e) {
            if (!e.conflict()) {
                throw e;
            }
        }
    }

    /** Deletes the {@code <scope>-config} Service (Endpoints mode); a missing one is not an error. */
    void deleteConfigService() {
        api.call("delete service " + namespace + "/" + configName,
                () -> k8s.services().inNamespace(namespace).withName(configName).delete());
    }

    /** The leader Endpoints' subsets: this pod's address and the configured ports. */
    List<EndpointSubset> leaderSubsets() {
        List<EndpointPort> ports = new ArrayList<>();
        for (KubernetesSettings.Port p : settings.ports()) {
            EndpointPort ep = new EndpointPort();
            if (!p.name().isEmpty()) {
                ep.setName(p.name());
            }
            ep.setPort(p.port());
            ep.setProtocol(p.protocol());
            ports.add(ep);
        }
        return List.of(new EndpointSubsetBuilder().addNewAddress().withIp(settings.podIp().orElseThrow())
                .endAddress().withPorts(ports).build());
    }

    private static List<Object> subsetsJson(List<EndpointSubset> subsets) {
        List<Object> out = new ArrayList<>();
        for (EndpointSubset s : subsets) {
            List<Object> addresses = new ArrayList<>();
            s.getAddresses().forEach(a -> addresses.add(Map.of("ip", a.getIp())));
            List<Object> ports = new ArrayList<>();
            for (EndpointPort p : s.getPorts()) {
                Map<String, Object> port = new LinkedHashMap<>();
                if (p.getName() != null) {
                    port.put("name", p.getName());
                }
                port.put("port", p.getPort());
                port.put("protocol", p.getProtocol());
                ports.add(port);
            }
            out.add(Map.of("addresses", addresses, "ports", ports));
        }
        return out;
    }

    String describeSelector() {
        StringBuilder sb = new StringBuilder(namespace).append(" with labels ");
        selector.forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
