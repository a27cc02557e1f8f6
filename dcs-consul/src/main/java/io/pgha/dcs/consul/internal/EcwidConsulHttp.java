package io.pgha.dcs.consul.internal;

import com.ecwid.consul.ConsulException;
import com.ecwid.consul.SingleUrlParameters;
import com.ecwid.consul.transport.HttpResponse;
import com.ecwid.consul.transport.TransportException;
import com.ecwid.consul.v1.ConsistencyMode;
import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.ConsulRawClient;
import com.ecwid.consul.v1.OperationException;
import com.ecwid.consul.v1.QueryParams;
import com.ecwid.consul.v1.Request;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.kv.model.GetBinaryValue;
import com.ecwid.consul.v1.kv.model.PutParams;
import com.ecwid.consul.v1.session.model.NewSession;
import com.ecwid.consul.v1.session.model.Session;
import io.pgha.spi.json.Json;
import io.pgha.spi.json.JsonException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.DefaultHostnameVerifier;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;

/**
 * {@link ConsulHttp} on Ecwid's consul-api 1.4.5 over Apache HttpClient 4.5.
 *
 * <p>The HttpClient is built here rather than left to consul-api: its defaults (10 s to connect, 10 min to read) do
 * not fit retry_timeout, and its TLS support wants a Java key store where Patroni's options name PEM files. What
 * consul-api's typed client lacks is made through its raw client: {@code DELETE ?cas=}, {@code agent/self}, and
 * service registration (its model has no {@code TLSServerName}).
 */
final class EcwidConsulHttp implements ConsulHttp {
    private final CloseableHttpClient httpClient;
    private final ConsulRawClient raw;
    private final ConsulClient client;
    private final String token;
    private final Optional<String> datacenter;

    /**
     * @param ssl the TLS context for an https agent ({@code null} for http)
     * @param verifyHostName whether the agent's certificate must name the host it was reached at
     * @param requestTimeout how long one request may wait to connect, and then for each answer packet
     */
    EcwidConsulHttp(URI agent, Optional<String> token, Optional<String> datacenter, SSLContext ssl,
            boolean verifyHostName, Duration requestTimeout) {
        RegistryBuilder<ConnectionSocketFactory> sockets = RegistryBuilder.<ConnectionSocketFactory>create()
                .register("http", PlainConnectionSocketFactory.getSocketFactory());
        if (ssl != null) {
            sockets.register("https", new SSLConnectionSocketFactory(ssl,
                    verifyHostName ? new DefaultHostnameVerifier() : NoopHostnameVerifier.INSTANCE));
        }
        PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager(sockets.build());
        pool.setMaxTotal(32);
        pool.setDefaultMaxPerRoute(32);
        // a pooled connection idle for a second may have been closed by an agent restart: check it first
        pool.setValidateAfterInactivity(1000);
        int timeoutMs = (int) Math.max(100, Math.min(Integer.MAX_VALUE, requestTimeout.toMillis()));
        RequestConfig config = RequestConfig.custom()
                .setConnectTimeout(timeoutMs)
                .setConnectionRequestTimeout(timeoutMs)
                .setSocketTimeout(timeoutMs)
                .build();
        this.httpClient = HttpClientBuilder.create()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(config)
                // ConsulConnection retries within retry_timeout; a hidden resend of a PUT would be a second write
                .disableAutomaticRetries()
                .build();
        this.raw = ConsulRawClient.Builder.builder()
                .setHost(agent.getScheme() + "://" + agent.getHost())
                .setPort(agent.getPort())
                .setHttpClient(httpClient)
                .build();
        this.client = new ConsulClient(raw);
        this.token = token.orElse(null);
        this.datacenter = datacenter;
    }

    private QueryParams params(ReadMode mode, long index, Duration wait) {
        QueryParams.Builder b = QueryParams.Builder.builder();
        datacenter.ifPresent(b::setDatacenter);
        b.setConsistencyMode(switch (mode) {
            case DEFAULT -> ConsistencyMode.DEFAULT;
            case CONSISTENT -> ConsistencyMode.CONSISTENT;
            case STALE -> ConsistencyMode.STALE;
        });
        if (index > 0) {
            b.setIndex(index);
            b.setWaitTime(Math.max(1, (wait.toMillis() + 999) / 1000));
        }
        return b.build();
    }

    private QueryParams params() {
        return params(ReadMode.DEFAULT, 0, Duration.ZERO);
    }

    @Override
    public KvRead read(String key, boolean recurse, ReadMode mode) {
        return call(() -> kvRead(key, recurse, params(mode, 0, Duration.ZERO)));
    }

    @Override
    public KvRead await(String prefix, long index, Duration wait, ReadMode mode) {
        return call(() -> kvRead(prefix, true, params(mode, Math.max(1, index), wait)));
    }

    private KvRead kvRead(String key, boolean recurse, QueryParams params) {
        List<KvEntry> entries = new ArrayList<>();
        long index;
        if (recurse) {
            Response<List<GetBinaryValue>> r = client.getKVBinaryValues(key, token, params);
            if (r.getValue() != null) {
                r.getValue().forEach(v -> entries.add(entry(v)));
            }
            index = r.getConsulIndex() == null ? 0 : r.getConsulIndex();
        } else {
            Response<GetBinaryValue> r = client.getKVBinaryValue(key, token, params);
            if (r.getValue() != null) {
                entries.add(entry(r.getValue()));
            }
            index = r.getConsulIndex() == null ? 0 : r.getConsulIndex();
        }
        return new KvRead(entries, index);
    }

    private static KvEntry entry(GetBinaryValue v) {
        String value = v.getValue() == null ? "" : new String(v.getValue(), StandardCharsets.UTF_8);
        return new KvEntry(v.getKey(), value, v.getModifyIndex(),
                Optional.ofNullable(v.getSession()).filter(s -> !s.isEmpty()));
    }

    @Override
    public boolean put(String key, String value, Write condition) {
        PutParams p = new PutParams();
        if (condition instanceof Write.Cas c) {
            p.setCas(c.modifyIndex());
        } else if (condition instanceof Write.Acquire a) {
            p.setAcquireSession(a.session());
        } else if (condition instanceof Write.Release r) {
            p.setReleaseSession(r.session());
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return call(() -> Boolean.TRUE.equals(client.setKVBinaryValue(key, bytes, token, p, params()).getValue()));
    }

    @Override
    public boolean delete(String key, OptionalLong cas) {
        if (cas.isEmpty()) {
            call(() -> client.deleteKVValue(key, token, params()));
            return true;
        }
        // consul-api's typed client has no DELETE ?cas=
        Request request = Request.Builder.newBuilder()
                .setEndpoint("/v1/kv/" + key)
                .addUrlParameter(new SingleUrlParameters("cas", Long.toString(cas.getAsLong())))
                .addUrlParameter(params())
                .setToken(token)
                .build();
        return call(() -> "true".equals(ok(raw.makeDeleteRequest(request)).getContent().trim()));
    }

    @Override
    public void deleteTree(String prefix) {
        call(() -> client.deleteKVValues(prefix, token, params()));
    }

    @Override
    public String createSession(SessionSpec spec) {
        NewSession s = new NewSession();
        s.setName(spec.name());
        s.setTtl(GoDuration.format(spec.ttl()));
        // consul-api sends LockDelay as a number, which Consul reads as seconds below 1000
        s.setLockDelay(spec.lockDelay().toSeconds());
        s.setBehavior(spec.deleteOnInvalidate() ? Session.Behavior.DELETE : Session.Behavior.RELEASE);
        s.setChecks(spec.checks());
        return call(() -> client.sessionCreate(s, params(), token).getValue());
    }

    @Override
    public boolean renewSession(String id) {
        try {
            return call(() -> client.renewSession(id, params(), token)) != null;
        } catch (Refused e) {
            if (e.status() == 404) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void destroySession(String id) {
        call(() -> client.sessionDestroy(id, params(), token));
    }

    @Override
    public Optional<Duration> sessionTtlMin() {
        Request request = Request.Builder.newBuilder().setEndpoint("/v1/agent/self").setToken(token).build();
        String body = call(() -> ok(raw.makeGetRequest(request)).getContent());
        try {
            Map<String, Object> self = Json.parseObject(body);
            // Consul 1.0+ reports it under DebugConfig as a Go duration; older agents under Config, in nanoseconds
            Object min = null;
            for (String section : List.of("DebugConfig", "Config")) {
                if (min == null && self.get(section) instanceof Map<?, ?> m) {
                    min = m.get("SessionTTLMin");
                }
            }
            if (min instanceof Number n) {
                return Optional.of(Duration.ofNanos(n.longValue())).filter(d -> !d.isZero());
            }
            return min instanceof String s ? GoDuration.parse(s).filter(d -> !d.isZero()) : Optional.empty();
        } catch (JsonException e) {
            return Optional.empty();
        }
    }

    @Override
    public void registerService(Service service) {
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("HTTP", service.checkUrl());
        check.put("Interval", GoDuration.format(service.checkInterval()));
        check.put("DeregisterCriticalServiceAfter", GoDuration.format(service.deregisterAfter()));
        service.tlsServerName().ifPresent(n -> check.put("TLSServerName", n));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ID", service.id());
        body.put("Name", service.name());
        body.put("Tags", service.tags());
        body.put("Address", service.address());
        body.put("Port", service.port());
        body.put("EnableTagOverride", true);
        body.put("Check", check);
        Request request = Request.Builder.newBuilder()
                .setEndpoint("/v1/agent/service/register")
                .setBinaryContent(Json.write(body).getBytes(StandardCharsets.UTF_8))
                .setToken(token)
                .build();
        call(() -> ok(raw.makePutRequest(request)));
    }

    @Override
    public void deregisterService(String id) {
        Request request = Request.Builder.newBuilder()
                .setEndpoint("/v1/agent/service/deregister/" + id)
                .setBinaryContent(new byte[0])
                .setToken(token)
                .build();
        try {
            call(() -> ok(raw.makePutRequest(request)));
        } catch (Refused e) {
            if (e.status() != 404) {
                throw e;
            }
        }
    }

    private static HttpResponse ok(HttpResponse r) {
        if (r.getStatusCode() != 200) {
            throw new OperationException(r);
        }
        return r;
    }

    /** Runs one consul-api call, translating its failures into {@link Unreachable} and {@link Refused}. */
    private static <T> T call(Supplier<T> request) {
        try {
            return request.get();
        } catch (TransportException e) {
            throw new Unreachable(describe(e), e);
        } catch (OperationException e) {
            String content = e.getStatusContent() == null ? String.valueOf(e.getStatusMessage()) : e.getStatusContent();
            Refused refused = new Refused(e.getStatusCode(), content);
            if (e.getStatusCode() >= 500 && !refused.invalidSession() && !refused.invalidSessionTtl()) {
                // no cluster leader, an RPC between agent and servers failed: the cluster may serve it in a moment
                throw new Unreachable("HTTP " + e.getStatusCode() + ": " + content.strip(), e);
            }
            throw refused;
        } catch (ConsulException | com.google.gson.JsonParseException e) {
            throw new Unreachable(describe(e), e);
        }
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public void close() {
        try {
            httpClient.close();
        } catch (IOException e) {
            // closing sockets: nothing to do about it
        }
    }
}
