package io.pgha.dcs.consul;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.spi.json.Json;
import io.pgha.testkit.Timing;
import io.pgha.testkit.dcs.DcsCapability;
import io.pgha.testkit.dcs.DcsContractKit;
import io.pgha.testkit.dcs.DcsKitFixture;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The whole DCS contract kit on the {@code consul} provider against a real Consul server, where one can be started
 * ({@link RealConsulAgent}: a {@code consul} binary on the PATH, or Docker). Skipped, with that reason, where neither
 * exists, which includes this project's CI: there {@link ConsulDcsContractTest} against the stand-in is the coverage.
 */
@EnabledIf(value = "io.pgha.dcs.consul.RealConsulAgent#available",
        disabledReason = "no consul binary on the PATH (-Dpgha.consul.binary) and no Docker daemon: the kit ran against "
                + "the stand-in only (ConsulDcsContractTest)")
class RealConsulContractIT extends DcsContractKit {
    @Override
    protected DcsKitFixture createFixture() {
        return new RealFixture(RealConsulAgent.launch());
    }

    private static final class RealFixture implements DcsKitFixture {
        private final RealConsulAgent consul;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        RealFixture(RealConsulAgent consul) {
            this.consul = consul;
        }

        @Override
        public DcsClient open(DcsContext context) {
            return new ConsulDcsProvider().open(new ConfigSection("consul", Map.of("url", consul.url())), context);
        }

        @Override
        public Set<DcsCapability> capabilities() {
            return EnumSet.allOf(DcsCapability.class);
        }

        @Override
        public int hugeValueSize() {
            return 500 * 1024;
        }

        /** A real server re-arms session timers in full after a restart and may be slower on loopback under load. */
        @Override
        public Duration expiryTolerance() {
            return Timing.current().seconds(4);
        }

        @Override
        public void stopServer() {
            consul.stop();
        }

        @Override
        public void startServer() {
            consul.start();
        }

        @Override
        public void writeRaw(String namespace, String scope, String relativeKey, String value) {
            send(HttpRequest.newBuilder(kv(storeKey(namespace, scope, relativeKey), ""))
                    .PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8)).build());
        }

        @Override
        public Map<String, String> readRaw(String namespace, String scope) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(kv(storeKey(namespace, scope, ""), "recurse&consistent"))
                    .GET().build());
            Map<String, String> values = new LinkedHashMap<>();
            if (r.statusCode() == 404) {
                return values;
            }
            for (Object o : (List<?>) Json.parse(r.body())) {
                Map<?, ?> e = (Map<?, ?>) o;
                Object v = e.get("Value");
                if (v != null) {
                    values.put((String) e.get("Key"),
                            new String(Base64.getDecoder().decode((String) v), StandardCharsets.UTF_8));
                }
            }
            return values;
        }

        private URI kv(String key, String query) {
            String path = URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/").replace("+", "%20");
            return URI.create(consul.url() + "/v1/kv/" + path + (query.isEmpty() ? "" : "?" + query));
        }

        private HttpResponse<String> send(HttpRequest request) {
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200 && r.statusCode() != 404) {
                    throw new IllegalStateException(request.uri() + ": HTTP " + r.statusCode() + " " + r.body());
                }
                return r;
            } catch (IOException e) {
                throw new IllegalStateException(request.uri() + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        @Override
        public String storeKey(String namespace, String scope, String relativeKey) {
            return PatroniLayout.clusterPrefix(namespace, scope).substring(1) + relativeKey;
        }

        @Override
        public String describe() {
            return consul.toString();
        }

        @Override
        public void close() {
            consul.close();
        }
    }
}
