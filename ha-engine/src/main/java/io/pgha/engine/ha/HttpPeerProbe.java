package io.pgha.engine.ha;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgha.spi.dcs.Member;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeerProbe} over HTTP(S): {@code GET <api_url>} of every member at once, two seconds each, as Patroni does.
 * Member certificates are not verified (Patroni does not either): the answer only informs the race, the DCS lock
 * decides it.
 */
public final class HttpPeerProbe implements PeerProbe, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpPeerProbe.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final ExecutorService executor;
    private final Duration timeout;
    private final Optional<String> authorization;

    public HttpPeerProbe(Duration timeout, Optional<String> basicAuthorization) {
        this.timeout = timeout;
        this.authorization = basicAuthorization;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "peer-probe");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().connectTimeout(timeout).executor(executor).sslContext(trustAll()).build();
    }

    @Override
    public Map<String, Optional<PeerStatus>> probe(List<Member> members) {
        Map<String, CompletableFuture<Optional<PeerStatus>>> pending = new HashMap<>();
        for (Member m : members) {
            Optional<String> url = m.data().apiUrl();
            if (url.isEmpty()) {
                pending.put(m.name(), CompletableFuture.completedFuture(Optional.empty()));
                continue;
            }
            HttpRequest.Builder req;
            try {
                req = HttpRequest.newBuilder(URI.create(url.get())).timeout(timeout).GET();
            } catch (IllegalArgumentException e) {
                pending.put(m.name(), CompletableFuture.completedFuture(Optional.empty()));
                continue;
            }
            authorization.ifPresent(a -> req.header("Authorization", a));
            pending.put(m.name(), client.sendAsync(req.build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> {
                        Optional<PeerStatus> status = parse(m.name(), r.body());
                        if (status.isEmpty()) {
                            LOG.warn("Request failed to {}: GET {} answered {} with a body that is not a member "
                                    + "status", m.name(), url.get(), r.statusCode());
                        }
                        return status;
                    })
                    .exceptionally(e -> {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                                ? e.getCause() : e;
                        LOG.warn("Request failed to {}: GET {} ({})", m.name(), url.get(), cause.toString());
                        return Optional.empty();
                    }));
        }
        Map<String, Optional<PeerStatus>> out = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(500);
        for (var e : pending.entrySet()) {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                out.put(e.getKey(), e.getValue().get(left, TimeUnit.NANOSECONDS));
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                LOG.warn("Request failed to {}: no answer within {} ms", e.getKey(), timeout.toMillis());
                out.put(e.getKey(), Optional.empty());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                out.put(e.getKey(), Optional.empty());
            } catch (Exception ex) {
                LOG.warn("Request failed to {}: {}", e.getKey(), ex.toString());
                out.put(e.getKey(), Optional.empty());
            }
        }
        return out;
    }

    @Override
    public Set<String> confirmFailsafe(Map<String, String> apiUrls, Map<String, Object> body) {
        String json;
        try {
            json = JSON.writeValueAsString(body);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot encode the failsafe request", e);
        }
        Map<String, CompletableFuture<Boolean>> pending = new HashMap<>();
        apiUrls.forEach((name, url) -> pending.put(name, postFailsafe(name, url, json, 2)));
        Set<String> confirmed = new java.util.TreeSet<>();
        long deadline = System.nanoTime() + timeout.toNanos() * 2 + TimeUnit.MILLISECONDS.toNanos(500);
        for (var e : pending.entrySet()) {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                if (e.getValue().get(left, TimeUnit.NANOSECONDS)) {
                    confirmed.add(e.getKey());
                }
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                LOG.warn("failsafe: no answer from {} within {} ms", e.getKey(), timeout.toMillis() * 2);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            } catch (Exception ex) {
                LOG.warn("failsafe: request to {} failed: {}", e.getKey(), ex.toString());
            }
        }
        return confirmed;
    }

    /** One POST /failsafe, sent again once if it fails (as Patroni does). */
    private CompletableFuture<Boolean> postFailsafe(String name, String apiUrl, String json, int attempts) {
        HttpRequest.Builder req;
        try {
            req = HttpRequest.newBuilder(URI.create(apiUrl).resolve("/failsafe")).timeout(timeout)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        } catch (IllegalArgumentException e) {
            LOG.warn("failsafe: {} has an unusable api_url {}", name, apiUrl);
            return CompletableFuture.completedFuture(false);
        }
        authorization.ifPresent(a -> req.header("Authorization", a));
        return client.sendAsync(req.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> {
                    if (r.statusCode() != 200) {
                        LOG.warn("failsafe: {} answered {}: {}", name, r.statusCode(), r.body().strip());
                    }
                    return r.statusCode() == 200;
                })
                .exceptionallyCompose(e -> attempts > 1 ? postFailsafe(name, apiUrl, json, attempts - 1)
                        : CompletableFuture.completedFuture(false));
    }

    static Optional<PeerStatus> parse(String name, String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                return Optional.empty();
            }
            JsonNode xlog = n.path("xlog");
            long wal = Math.max(xlog.path("location").asLong(0),
                    Math.max(xlog.path("received_location").asLong(0), xlog.path("replayed_location").asLong(0)));
            JsonNode tags = n.path("tags");
            boolean noFailover = MemberIdentity.truthy(tags.isMissingNode() ? null : jsonScalar(tags.path("nofailover")));
            int priority = tags.path("failover_priority").isNumber() ? tags.path("failover_priority").asInt() : 1;
            return Optional.of(new PeerStatus(name, n.path("role").asText(""), n.path("state").asText(""), wal,
                    n.path("timeline").asLong(0), noFailover || priority <= 0 && tags.has("failover_priority"), priority));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static Object jsonScalar(JsonNode n) {
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        return n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    private static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create TLS context", e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
