package io.pgha.dcs.kubernetes;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.json.Json;
import io.pgha.testkit.dcs.DcsCapability;
import io.pgha.testkit.dcs.DcsKitFixture;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The contract kit's fixture for a real cluster ({@code -Pk8s-real}): the kubeconfig of the environment
 * ({@code $KUBECONFIG} or {@code ~/.kube/config}, context {@code -Dpgha.k8s.context}), one throw-away namespace per
 * kit cluster ({@code pgha-kit-<run>-...}, deleted at the end), and for each member a pod of its name running
 * {@code -Dpgha.k8s.image} (default {@code registry.k8s.io/pause:3.9}). The API server cannot be stopped, so the
 * failure group is declared unsupported; raw access writes the member records only.
 */
final class RealClusterKitFixture implements DcsKitFixture {
    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
    private final String context = blankToNull(System.getProperty("pgha.k8s.context"));
    private final String image = java.util.Optional.ofNullable(blankToNull(System.getProperty("pgha.k8s.image")))
            .orElse("registry.k8s.io/pause:3.9");
    private final String run = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    private final KubernetesClient admin;
    private final Set<String> namespaces = ConcurrentHashMap.newKeySet();

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    RealClusterKitFixture() {
        Config config = new io.fabric8.kubernetes.client.ConfigBuilder(Config.autoConfigure(context))
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(5000).withRequestTimeout(10000).build();
        admin = new KubernetesClientBuilder().withConfig(config).build();
        try {
            // fail at once, and say why, when there is no cluster to test against
            admin.getKubernetesVersion();
        } catch (KubernetesClientException e) {
            admin.close();
            throw new IllegalStateException("-Pk8s-real needs a reachable cluster: the kubeconfig ($KUBECONFIG or "
                    + "~/.kube/config" + (context == null ? "" : ", context " + context) + ") leads to "
                    + config.getMasterUrl() + ", which did not answer: " + rootCause(e), e);
        }
    }

    private String namespace(String dcsNamespace, String scope) {
        String ns = KubernetesKitFixture.k8sNamespace("pgha-kit-" + run + dcsNamespace, scope);
        if (namespaces.add(ns)) {
            try {
                admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                        .build()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        return ns;
    }

    private void ensurePod(String ns, String scope, String name) {
        if (admin.pods().inNamespace(ns).withName(name).get() != null) {
            return;
        }
        Map<String, String> labels = new LinkedHashMap<>(KubernetesKitFixture.LABELS);
        labels.put("cluster-name", scope);
        admin.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name.toLowerCase(Locale.ROOT))
                .withLabels(labels).endMetadata().withNewSpec().addNewContainer().withName("member").withImage(image)
                .endContainer().endSpec().build()).create();
    }

    @Override
    public DcsClient open(DcsContext c) {
        String ns = namespace(c.namespace(), c.scope());
        ensurePod(ns, c.scope(), c.memberName());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("namespace", ns);
        s.put("labels", KubernetesKitFixture.LABELS);
        if (context != null) {
            s.put("context", context);
        }
        return new KubernetesDcsProvider().open(new ConfigSection("kubernetes", s), c);
    }

    @Override
    public Set<DcsCapability> capabilities() {
        return EnumSet.of(DcsCapability.RAW_ACCESS);
    }

    @Override
    public Map<DcsCapability, String> unsupported() {
        return Map.of(DcsCapability.SERVER_RESTART, "the API server of a real cluster is not ours to stop",
                DcsCapability.KEY_VALUE_LAYOUT, "Kubernetes keeps annotations on objects, not keys (see "
                        + "KubernetesLayoutTest)");
    }

    /** Annotations of a real object total at most 256 KiB. */
    @Override
    public int hugeValueSize() {
        return 200 * 1024;
    }

    @Override
    public void writeRaw(String dcsNamespace, String scope, String relativeKey, String value) {
        if (!relativeKey.startsWith("members/")) {
            throw new UnsupportedOperationException("the real-cluster fixture writes member records only");
        }
        String ns = namespace(dcsNamespace, scope);
        String pod = relativeKey.substring("members/".length());
        ensurePod(ns, scope, pod);
        admin.pods().inNamespace(ns).withName(pod).patch(MERGE,
                Json.write(Map.of("metadata", Map.of("annotations", Map.of("status", value)))));
    }

    @Override
    public Map<String, String> readRaw(String dcsNamespace, String scope) {
        throw new UnsupportedOperationException("not used by the kit without KEY_VALUE_LAYOUT");
    }

    @Override
    public String describe() {
        return "a real Kubernetes cluster at " + admin.getMasterUrl() + (context == null ? "" : " (context "
                + context + ")");
    }

    @Override
    public void close() {
        try {
            for (String ns : namespaces) {
                admin.namespaces().withName(ns).delete();
            }
        } finally {
            admin.close();
        }
    }
}
