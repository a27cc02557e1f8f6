package io.pgha.dcs.kubernetes.internal;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The {@code kubernetes:} section, read the way Patroni reads it.
 *
 * @param namespace the Kubernetes namespace holding the cluster's objects and pods ({@code namespace}, default
 *        {@code default}); Patroni's DCS {@code namespace} plays no part on Kubernetes
 * @param labels labels every object of the cluster carries and by which objects and pods are found ({@code labels})
 * @param scopeLabel the label whose value is the scope ({@code scope_label}, default {@code cluster-name})
 * @param roleLabel the pod label that says which role the member has ({@code role_label}, default {@code role})
 * @param leaderLabelValue its value on the leader's pod ({@code leader_label_value}, default {@code primary})
 * @param followerLabelValue its value on running replicas ({@code follower_label_value}, default {@code replica})
 * @param standbyLeaderLabelValue its value on a standby cluster's leader ({@code standby_leader_label_value},
 *        default {@code primary})
 * @param tmpRoleLabel a second pod label carrying the raw role, if set ({@code tmp_role_label})
 * @param useEndpoints Endpoints instead of ConfigMaps ({@code use_endpoints})
 * @param podIp the address the leader Endpoints publishes ({@code pod_ip}; needed with {@code use_endpoints})
 * @param ports the ports the leader Endpoints publishes ({@code ports}, default {@code postgresql:5432})
 * @param bypassApiService talk to the API server's own addresses from {@code default/endpoints/kubernetes} instead of
 *        the {@code kubernetes} Service ({@code bypass_api_service})
 * @param retriableHttpCodes HTTP status codes retried within retry_timeout besides 500, 503 and 504
 *        ({@code retriable_http_codes})
 * @param context the kubeconfig context to use instead of the current one ({@code context})
 * @param kubeconfig the kubeconfig file ({@code kubeconfig}, a pgha addition; default {@code $KUBECONFIG}, then
 *        {@code ~/.kube/config}, then the pod's service account)
 */
public record KubernetesSettings(String namespace, Map<String, String> labels, String scopeLabel, String roleLabel,
        String leaderLabelValue, String followerLabelValue, String standbyLeaderLabelValue,
        Optional<String> tmpRoleLabel, boolean useEndpoints, Optional<String> podIp, List<Port> ports,
        boolean bypassApiService, Set<Integer> retriableHttpCodes, Optional<String> context,
        Optional<String> kubeconfig) {

    /** Every key the section may hold; others are reported as unknown. */
    public static final Set<String> KNOWN_KEYS = Set.of("namespace", "labels", "scope_label", "role_label",
            "leader_label_value", "follower_label_value", "standby_leader_label_value", "tmp_role_label",
            "use_endpoints", "pod_ip", "ports", "bypass_api_service", "retriable_http_codes", "context", "kubeconfig");

    /** Patroni options this backend refuses rather than ignores. */
    private static final Map<String, String> REFUSED = Map.of(
            "bootstrap_labels", "bootstrap-time pod labels are not supported by pgha's kubernetes backend",
            "cacert", "set the API server's CA in the kubeconfig (certificate-authority) instead");

    /** Codes Patroni always retries. */
    public static final Set<Integer> ALWAYS_RETRIED = Set.of(500, 503, 504);

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?)");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    /** One port of the leader Endpoints. */
    public record Port(String name, int port, String protocol) {
    }

    public KubernetesSettings {
        labels = Map.copyOf(labels);
        ports = List.copyOf(ports);
        retriableHttpCodes = Set.copyOf(retriableHttpCodes);
    }

    /** All retried codes: Patroni's three plus {@code retriable_http_codes}. */
    public Set<Integer> retriedCodes() {
        Set<Integer> all = new TreeSet<>(ALWAYS_RETRIED);
        all.addAll(retriableHttpCodes);
        return all;
    }

    /** The labels that select this cluster's objects and pods: {@code labels} plus {@code scope_label: <scope>}. */
    public Map<String, String> selector(String scope) {
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put(scopeLabel, scope);
        return all;
    }

    /** Parses and validates the section; every problem goes to {@code problems}. */
    public static KubernetesSettings parse(ConfigSection s, List<ConfigProblem> problems) {
        for (String k : new TreeSet<>(s.keys())) {
            if (REFUSED.containsKey(k)) {
                problems.add(ConfigProblem.error(s.pathOf(k), REFUSED.get(k)));
            } else if (!KNOWN_KEYS.contains(k)) {
                problems.add(ConfigProblem.warning(s.pathOf(k), "unknown key, ignored"));
            }
        }

        String namespace = s.string("namespace", "default", problems);
        if (!DNS_LABEL.matcher(namespace).matches()) {
            problems.add(ConfigProblem.error(s.pathOf("namespace"), "'" + namespace + "' is not a Kubernetes "
                    + "namespace name: lower-case letters, digits and '-', at most 63 characters"));
        }

        Map<String, String> labels = new LinkedHashMap<>();
        ConfigSection labelSection = s.section("labels", problems);
        for (String k : labelSection.keys()) {
            Object v = labelSection.raw(k);
            if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                problems.add(ConfigProblem.error(labelSection.pathOf(k), "got " + ConfigSection.describe(v)
                        + ": expected a label value (text)"));
                continue;
            }
            String value = String.valueOf(v);
            checkLabelName(k, labelSection.pathOf(k), problems);
            if (!LABEL_VALUE.matcher(value).matches() || value.length() > 63) {
                problems.add(ConfigProblem.error(labelSection.pathOf(k), "'" + value + "' is not a valid label value: "
                        + "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"));
            }
            labels.put(k, value);
        }

        String scopeLabel = s.string("scope_label", "cluster-name", problems);
        checkLabelName(scopeLabel, s.pathOf("scope_label"), problems);
        String roleLabel = s.string("role_label", "role", problems);
        checkLabelName(roleLabel, s.pathOf("role_label"), problems);
        if (labels.containsKey(scopeLabel)) {
            problems.add(ConfigProblem.error(s.pathOf("labels") + "." + scopeLabel, "the scope label '" + scopeLabel
                    + "' is set from scope: it cannot be one of the fixed labels too"));
        }
        if (scopeLabel.equals(roleLabel)) {
            problems.add(ConfigProblem.error(s.pathOf("role_label"), "role_label and scope_label are both '"
                    + roleLabel + "': the role would overwrite the cluster name on the pods"));
        }
        String leaderValue = labelValue(s, "leader_label_value", "primary", problems);
        String followerValue = labelValue(s, "follower_label_value", "replica", problems);
        String standbyValue = labelValue(s, "standby_leader_label_value", "primary", problems);
        Optional<String> tmpRoleLabel = s.string("tmp_role_label", problems);
        tmpRoleLabel.ifPresent(l -> checkLabelName(l, s.pathOf("tmp_role_label"), problems));

        boolean useEndpoints = s.bool("use_endpoints", false, problems);
        Optional<String> podIp = s.string("pod_ip", problems).map(String::trim).filter(x -> !x.isEmpty());
        podIp.ifPresent(ip -> {
            if (!isIp(ip)) {
                problems.add(ConfigProblem.error(s.pathOf("pod_ip"), "'" + ip + "' is not an IPv4 or IPv6 address"));
            }
        });
        if (useEndpoints && podIp.isEmpty()) {
            problems.add(ConfigProblem.error(s.pathOf("pod_ip"), "use_endpoints is on, so the leader Endpoints "
                    + "must publish this pod's address: set pod_ip (in a pod, from status.podIP through the "
                    + "downward API)"));
        }
        List<Port> ports = ports(s, problems);

        boolean bypass = s.bool("bypass_api_service", false, problems);
        Set<Integer> codes = retriableCodes(s, problems);
        Optional<String> context = s.string("context", problems).filter(x -> !x.isBlank());
        Optional<String> kubeconfig = s.string("kubeconfig", problems).filter(x -> !x.isBlank());
        return new KubernetesSettings(namespace, labels, scopeLabel, roleLabel, leaderValue, followerValue,
                standbyValue, tmpRoleLabel, useEndpoints, podIp, ports, bypass, codes, context, kubeconfig);
    }

    private static String labelValue(ConfigSection s, String key, String fallback, List<ConfigProblem> problems) {
        String v = s.string(key, fallback, problems);
        if (v.isEmpty() || !LABEL_VALUE.matcher(v).matches() || v.length() > 63) {
            problems.add(ConfigProblem.error(s.pathOf(key), "'" + v + "' is not a valid label value: 1 to 63 "
                    + "letters, digits, '-', '_' or '.', starting and ending with a letter or digit"));
        }
        return v;
    }

    private static void checkLabelName(String name, String path, List<ConfigProblem> problems) {
        String local = name;
        int slash = name.indexOf('/');
        if (slash >= 0) {
            String prefix = name.substring(0, slash);
            local = name.substring(slash + 1);
            if (!DNS_SUBDOMAIN.matcher(prefix).matches()) {
                problems.add(ConfigProblem.error(path, "'" + name + "' is not a valid label name: the prefix '"
                        + prefix + "' is not a DNS subdomain"));
                return;
            }
        }
        if (!LABEL_NAME.matcher(local).matches()) {
            problems.add(ConfigProblem.error(path, "'" + name + "' is not a valid label name: at most 63 letters, "
                    + "digits, '-', '_' or '.', starting and ending with a letter or digit, with an optional "
                    + "DNS-subdomain prefix and '/'"));
        }
    }

    private static List<Port> ports(ConfigSection s, List<ConfigProblem> problems) {
        Object raw = s.raw("ports");
        if (raw == null) {
            return List.of(new Port("postgresql", 5432, "TCP"));
        }
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
            problems.add(ConfigProblem.error(s.pathOf("ports"), "got " + ConfigSection.describe(raw)
                    + ": expected a non-empty list of {name, port} mappings"));
            return List.of();
        }
        List<Port> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String path = s.pathOf("ports") + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                problems.add(ConfigProblem.error(path, "got " + ConfigSection.describe(list.get(i))
                        + ": expected a mapping with name and port"));
                continue;
            }
            Object name = m.get("name");
            Object port = m.get("port");
            Object protocol = m.get("protocol");
            long p = port instanceof Number n ? n.longValue() : -1;
            if (port instanceof String ps && ps.trim().matches("\\d{1,5}")) {
                p = Long.parseLong(ps.trim());
            }
            if (p < 1 || p > 65535) {
                problems.add(ConfigProblem.error(path + ".port", "got " + ConfigSection.describe(port)
                        + ": expected a port number from 1 to 65535"));
            }
            String n = name == null ? "" : String.valueOf(name);
            if (list.size() > 1 && n.isEmpty()) {
                problems.add(ConfigProblem.error(path + ".name", "every port needs a name when there are several"));
            }
            String proto = protocol == null ? "TCP" : String.valueOf(protocol);
            if (!Set.of("TCP", "UDP", "SCTP").contains(proto)) {
                problems.add(ConfigProblem.error(path + ".protocol", "got '" + proto + "': expected TCP, UDP or SCTP"));
            }
            out.add(new Port(n, (int) p, proto));
        }
        return out;
    }

    private static Set<Integer> retriableCodes(ConfigSection s, List<ConfigProblem> problems) {
        Object raw = s.raw("retriable_http_codes");
        if (raw == null) {
            return Set.of();
        }
        List<?> items = raw instanceof List<?> l ? l : List.of(raw);
        Set<Integer> codes = new TreeSet<>();
        for (Object item : items) {
            long code = -1;
            if (item instanceof Number n) {
                code = n.longValue();
            } else if (item instanceof String str && str.trim().matches("\\d{3}")) {
                code = Long.parseLong(str.trim());
            }
            if (code < 100 || code > 599) {
                problems.add(ConfigProblem.error(s.pathOf("retriable_http_codes"), "got "
                        + ConfigSection.describe(item) + ": expected HTTP status codes (100 to 599), one or a list"));
            } else {
                codes.add((int) code);
            }
        }
        return codes;
    }

    private static boolean isIp(String ip) {
        var m = IPV4.matcher(ip);
        if (m.matches()) {
            for (int g = 1; g <= 4; g++) {
                if (Integer.parseInt(m.group(g)) > 255) {
                    return false;
                }
            }
            return true;
        }
        return ip.contains(":") && ip.matches("[0-9A-Fa-f:.]+");
    }

    /** Whether {@code name} can be a pod name (a DNS subdomain), as the member name must be on Kubernetes. */
    public static boolean isPodName(String name) {
        return name.length() <= 253 && DNS_SUBDOMAIN.matcher(name).matches();
    }
}
