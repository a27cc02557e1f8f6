package io.pgha.dcs.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.options.GetOption;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsTimings;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/** Opens {@link EtcdDcsClient}s from a validated section: endpoints, credentials, TLS, and the jetcd client. */
public final class EtcdDcs {
    /** Large enough for a whole cluster of big member records in one range response. */
    private static final int MAX_INBOUND_MESSAGE_BYTES = 256 * 1024 * 1024;

    private EtcdDcs() {
    }

    /** The section's problems, for {@code Provider.validate}. */
    public static List<ConfigProblem> validate(ConfigSection section) {
        List<ConfigProblem> problems = new ArrayList<>();
        EtcdSettings.parse(section, problems);
        return problems;
    }

    /**
     * Opens a client. Reads the TLS files and resolves {@code srv} (network), but does not contact etcd: an unreachable
     * store is reported by the first operation.
     *
     * @throws InvalidConfigException when the section is invalid or a file it names cannot be used
     */
    public static EtcdDcsClient open(ConfigSection section, DcsContext context, SrvDiscovery.Resolver srvResolver) {
        Objects.requireNonNull(section, "section is null");
        Objects.requireNonNull(context, "context is null");
        List<ConfigProblem> problems = new ArrayList<>();
        EtcdSettings settings = EtcdSettings.parse(section, problems);
        throwOnErrors(problems);

        List<URI> endpoints = settings.endpoints();
        boolean tls = settings.tls();
        if (endpoints.isEmpty() && settings.srv().isPresent()) {
            endpoints = SrvDiscovery.discover(settings.srv().get(), settings.srvSuffix(), srvResolver);
            if (endpoints.isEmpty()) {
                problems.add(ConfigProblem.error(section.pathOf("srv"), "no SRV records found for "
                        + SrvDiscovery.names(settings.srv().get(), settings.srvSuffix()) + " and no other endpoint is set"));
                throwOnErrors(problems);
            }
            tls = endpoints.get(0).getScheme().equals("https");
        }

        SslContext ssl = tls ? sslContext(section, settings, problems) : null;
        throwOnErrors(problems);

        List<URI> finalEndpoints = List.copyOf(endpoints);
        ByteSequence probeKey = ByteSequence.from(
                io.pgha.spi.dcs.PatroniLayout.clusterPrefix(context.namespace(), context.scope()) + "leader",
                StandardCharsets.UTF_8);
        Function<DcsTimings, Client> factory = timings -> warmUp(build(finalEndpoints, settings, ssl, timings), probeKey);
        String description = finalEndpoints.stream().map(URI::toString).collect(Collectors.joining(","));
        EtcdConnection connection = new EtcdConnection(factory, description, context.timings());
        return new EtcdDcsClient(connection, context.namespace(), context.scope(), context.memberName());
    }

    private static void throwOnErrors(List<ConfigProblem> problems) {
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
    }

    /**
     * Creates jetcd's stubs (loading gRPC and Netty, which takes a second in a cold JVM) and starts connecting in the
     * background with one unanswered read, so that the first real call, bounded by retry_timeout, pays neither.
     */
    private static Client warmUp(Client client, ByteSequence probeKey) {
        client.getLeaseClient();
        client.getWatchClient();
        client.getKVClient().get(probeKey, GetOption.builder().withKeysOnly(true).build());
        return client;
    }

    static Client build(List<URI> endpoints, EtcdSettings settings, SslContext ssl, DcsTimings timings) {
        Duration connectTimeout = timings.retryTimeout().dividedBy(2);
        if (connectTimeout.compareTo(Duration.ofMillis(500)) < 0) {
            connectTimeout = Duration.ofMillis(500);
        }
        ClientBuilder b = Client.builder()
                .endpoints(endpoints)
                // fail fast and let EtcdConnection retry within retry_timeout; jetcd's own retries are unbounded in time
                .waitForReady(false)
                .retryMaxAttempts(0)
                .connectTimeout(connectTimeout)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
        if (settings.username().isPresent()) {
            b.user(ByteSequence.from(settings.username().get(), StandardCharsets.UTF_8))
                    .password(ByteSequence.from(settings.password().orElse(""), StandardCharsets.UTF_8));
        }
        if (ssl != null) {
            b.sslContext(ssl);
        }
        return b.build();
    }

    private static SslContext sslContext(ConfigSection section, EtcdSettings s, List<ConfigProblem> problems) {
        File ca = readable(section, "cacert", s.cacert().orElse(null), problems);
        File cert = readable(section, "cert", s.cert().orElse(null), problems);
        File key = s.key().isPresent() ? readable(section, "key", s.key().get(), problems) : cert;
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            return null;
        }
        try {
            SslContextBuilder b = GrpcSslContexts.forClient();
            if (ca != null) {
                b.trustManager(ca);
            }
            if (cert != null) {
                // Patroni allows the key inside the cert file; Netty reads the PRIVATE KEY block from either
                b.keyManager(cert, key, s.keyPassword().orElse(null));
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            problems.add(ConfigProblem.error(section.pathOf(s.cert().isPresent() ? "cert" : "cacert"),
                    "cannot build a TLS context from cacert/cert/key: " + Failures.describe(e)));
            return null;
        }
    }

    private static File readable(ConfigSection section, String key, String path, List<ConfigProblem> problems) {
        if (path == null) {
            return null;
        }
        Path p = Path.of(path);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            problems.add(ConfigProblem.error(section.pathOf(key), "file '" + path + "' does not exist or is not readable"));
            return null;
        }
        return p.toFile();
    }
}
