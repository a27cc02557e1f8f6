package io.pgha.dcs.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.testkit.FakeDcsContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Validation of the {@code kubernetes:} section: every problem at once, each naming its key. */
class KubernetesSettingsTest {

    private static List<ConfigProblem> validate(Map<String, Object> s) {
        return new KubernetesDcsProvider().validate(new ConfigSection("kubernetes", s));
    }

    private static String errors(List<ConfigProblem> problems) {
        return problems.stream().filter(ConfigProblem::isError).map(ConfigProblem::toString)
                .collect(Collectors.joining("\n"));
    }

    @Test
    void registeredUnderItsSectionName() {
        assertTrue(ServiceLoader.load(io.pgha.spi.dcs.DcsProvider.class).stream()
                .anyMatch(p -> p.get().name().equals("kubernetes")));
    }

    @Test
    void defaultsAreValid() {
        assertEquals(List.of(), validate(Map.of()));
        assertEquals(List.of(), validate(Map.of("namespace", "db", "labels", Map.of("application", "patroni"),
                "use_endpoints", true, "pod_ip", "10.1.2.3", "ports", List.of(Map.of("name", "postgresql",
                        "port", 5432)), "retriable_http_codes", List.of(429, "502"), "bypass_api_service", true,
                "role_label", "spilo-role", "leader_label_value", "master")));
    }

    @Test
    void everyProblemReportedAtOnce() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("namespace", "Not_A_Namespace");
        s.put("labels", Map.of("cluster-name", "x", "bad label!", "v"));
        s.put("use_endpoints", true);
        s.put("ports", List.of(Map.of("name", "pg", "port", 70000)));
        s.put("retriable_http_codes", List.of(42));
        s.put("bootstrap_labels", Map.of("a", "b"));
        s.put("role_label", "cluster-name");
        s.put("leader_label_value", "");
        s.put("frobnicate", true);
        List<ConfigProblem> problems = validate(s);
        String e = errors(problems);
        for (String path : List.of("kubernetes.namespace", "kubernetes.labels.cluster-name",
                "kubernetes.labels.bad label!", "kubernetes.pod_ip", "kubernetes.ports[0].port",
                "kubernetes.retriable_http_codes", "kubernetes.bootstrap_labels", "kubernetes.role_label",
                "kubernetes.leader_label_value")) {
            assertTrue(e.contains(path), "no error for " + path + " in:\n" + e);
        }
        assertTrue(problems.stream().anyMatch(p -> !p.isError() && p.path().equals("kubernetes.frobnicate")),
                problems.toString());
    }

    @Test
    void unknownContextIsRefusedWhenOpening() throws Exception {
        Path kc = Files.createTempDirectory("pgha-k8s-kc").resolve("kubeconfig");
        Files.writeString(kc, """
                apiVersion: v1
                kind: Config
                clusters: [{name: m, cluster: {server: "http://127.0.0.1:1"}}]
                contexts: [{name: m, context: {cluster: m, user: u}}]
                current-context: m
                users: [{name: u, user: {token: t}}]
                """);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> new KubernetesDcsProvider()
                .open(new ConfigSection("kubernetes", Map.of("kubeconfig", kc.toString(), "context", "nope")),
                        FakeDcsContext.of("/service/", "s", "m", DcsTimings.PATRONI_DEFAULTS)));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        InvalidConfigException missing = assertThrows(InvalidConfigException.class, () -> new KubernetesDcsProvider()
                .open(new ConfigSection("kubernetes", Map.of("kubeconfig", "/nonexistent/kubeconfig")),
                        FakeDcsContext.of("/service/", "s", "m", DcsTimings.PATRONI_DEFAULTS)));
        assertTrue(missing.getMessage().contains("/nonexistent/kubeconfig"), missing.getMessage());
    }
}
