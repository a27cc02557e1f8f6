package io.pgha.dcs.kubernetes.internal;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsTimings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens {@link KubernetesDcsClient}s from a validated section: where the API server is and how to authenticate
 * (a kubeconfig and its context, or the pod's service account), and the fabric8 client on the JDK HTTP client.
 */
public final class KubernetesDcs {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesDcs.class);

    private KubernetesDcs() {
    }

    /** The section's problems, for {@code Provider.validate}. */
    public static List<ConfigProblem> validate(ConfigSection section) {
        List<ConfigProblem> problems = new ArrayList<>();
        KubernetesSettings.parse(section, problems);
        return problems;
    }

    /**
     * Opens a client. Reads the kubeconfig, but does not wait for the API server: an unreachable one is reported by
     * the first operation (with {@code bypass_api_service}, one bounded attempt is made to learn its addresses).
     *
     * @throws InvalidConfigException when the section is invalid or the kubeconfig cannot be used
     */
    public static KubernetesDcsClient open(ConfigSection section, DcsContext context) {
        Objects.requireNonNull(section, "section is null");
        Objects.requireNonNull(context, "context is null");
        List<ConfigProblem> problems = new ArrayList<>();
        KubernetesSettings settings = KubernetesSettings.parse(section, problems);
        throwOnErrors(problems);
        DcsTimings timings = context.timings();
        Config config = clientConfig(section, settings, timings, problems);
        throwOnErrors(problems);
        KubernetesClient k8s = new KubernetesClientBuilder().withConfig(config).build();
        String server = config.getMasterUrl();
        ApiCalls api = new ApiCalls(server, settings.retriedCodes(), timings.retryTimeout());
        if (settings.bypassApiService()) {
            Optional<String> direct = apiServerAddress(k8s, api);
            if (direct.isPresent()) {
                k8s.close();
                config = new ConfigBuilder(config).withMasterUrl(direct.get()).build();
                k8s = new KubernetesClientBuilder().withConfig(config).build();
                server = direct.get();
                api = new ApiCalls(server, settings.retriedCodes(), timings.retryTimeout());
            }
        }
        return new KubernetesDcsClient(k8s, api, settings, context.scope(), context.memberName(), timings,
                context.clock(), server);
    }

    private static Config clientConfig(ConfigSection section, KubernetesSettings settings, DcsTimings timings,
            List<ConfigProblem> problems) {
        Config base;
        String ctx = settings.context().orElse(null);
        try {
            if (settings.kubeconfig().isPresent()) {
                Path file = Path.of(settings.kubeconfig().get());
                if (!Files.isReadable(file)) {
                    problems.add(ConfigProblem.error(section.pathOf("kubeconfig"), "cannot read the kubeconfig file "
                            + file));
                    return Config.empty();
                }
                base = Config.fromKubeconfig(ctx, Files.readString(file, StandardCharsets.UTF_8), file.toString());
            } else {
                // $KUBECONFIG or ~/.kube/config, else the pod's service account (in-cluster)
                base = Config.autoConfigure(ctx);
            }
        } catch (IOException | KubernetesClientException e) {
            problems.add(ConfigProblem.error(section.pathOf(settings.kubeconfig().isPresent() ? "kubeconfig"
                    : "context"), "cannot use the kubeconfig: " + ApiCalls.message(e)));
            return Config.empty();
        }
        if (ctx != null && (base.getCurrentContext() == null || !ctx.equals(base.getCurrentContext().getName()))) {
            problems.add(ConfigProblem.error(section.pathOf("context"), "no context '" + ctx + "' in the kubeconfig"
                    + settings.kubeconfig().map(k -> " " + k).orElse(" ($KUBECONFIG or ~/.kube/config)")));
        }
        if (base.getMasterUrl() == null || base.getMasterUrl().isBlank()) {
            problems.add(ConfigProblem.error(section.path(), "no Kubernetes API server found: not in a pod (no "
                    + "service account) and no kubeconfig with a server; set kubeconfig or $KUBECONFIG"));
        }
        int requestMs = (int) Math.max(1000, Math.min(Integer.MAX_VALUE, timings.retryTimeout().toMillis()));
        return new ConfigBuilder(base)
                .withNamespace(settings.namespace())
                // retries are ApiCalls' business: bounded by retry_timeout, on Patroni's status codes
                .withRequestRetryBackoffLimit(0)
                .withRequestTimeout(requestMs)
                .withConnectionTimeout(requestMs)
                // watches reconnect quickly after an API server restart; informers relist after that
                .withWatchReconnectInterval(500)
                .withWatchReconnectLimit(-1)
                // HTTP/1.1, as Patroni speaks: a lock update then has a connection of its own instead of sharing one
                // HTTP/2 connection with the watches, where one stalled connection stalls both
                .withHttp2Disable(true)
                .build();
    }

    /**
     * {@code bypass_api_service}: the API server's own https addresses from {@code default/endpoints/kubernetes}, so
     * that the agent does not depend on the Service's virtual IP (kube-proxy). 403 or any failure leaves the Service
     * in use, as in Patroni.
     */
    private static Optional<String> apiServerAddress(KubernetesClient k8s, ApiCalls api) {
        try {
            Endpoints ep = api.call("read the API server's endpoints",
                    () -> k8s.endpoints().inNamespace("default").withName("kubernetes").get());
            if (ep != null && ep.getSubsets() != null) {
                for (EndpointSubset s : ep.getSubsets()) {
                    Optional<Integer> port = s.getPorts().stream()
                            .filter(p -> p.getName() == null || p.getName().equals("https"))
                            .map(EndpointPort::getPort).findFirst();
                    for (EndpointAddress a : s.getAddresses()) {
                        if (port.isPresent()) {
                            String ip = a.getIp().contains(":") ? "[" + a.getIp() + "]" : a.getIp();
                            String url = "https://" + ip + ":" + port.get();
                            LOG.info("bypass_api_service: talking to the API server at {} instead of the kubernetes "
                                    + "Service", url);
                            return Optional.of(url);
                        }
                    }
                }
            }
            LOG.warn("bypass_api_service: default/endpoints/kubernetes lists no https address; using the Service");
        } catch (ApiCalls.Answer e) {
            LOG.warn("bypass_api_service disabled: reading default/endpoints/kubernetes was refused ({}); using the "
                    + "Service", e.code);
        } catch (RuntimeException e) {
            LOG.warn("bypass_api_service: could not read default/endpoints/kubernetes ({}); using the Service",
                    e.getMessage());
        }
        return Optional.empty();
    }

    private static void throwOnErrors(List<ConfigProblem> problems) {
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
    }
}
