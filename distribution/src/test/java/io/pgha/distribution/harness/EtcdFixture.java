package io.pgha.distribution.harness;

import io.pgha.spi.json.Json;
import io.pgha.testkit.server.EtcdProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A single-member etcd 3.4 ({@link EtcdProcess}); members use Patroni's {@code etcd3} section. */
public final class EtcdFixture implements DcsFixture {
    private final EtcdProcess etcd;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private EtcdFixture(EtcdProcess etcd) {
        this.etcd = etcd;
    }

    /** Starts a fresh etcd on free loopback ports; fails (naming the package to install) when etcd is missing. */
    public static EtcdFixture launch() {
        return new EtcdFixture(EtcdProcess.start());
    }

    /**
     * Like {@link #launch()}, but etcd also serves its v2 API ({@code --enable-v2}), for tools that speak only v2,
     * such as Debian's vip-manager 1.0.2. The v2 and v3 key spaces stay separate, as on any etcd 3.4.
     */
    public static EtcdFixture launchWithV2() {
        EtcdProcess etcd = EtcdProcess.builder().extraArgs("--enable-v2").build();
        try {
            etcd.startAndWait();
        } catch (RuntimeException e) {
            etcd.close();
            throw e;
        }
        return new EtcdFixture(etcd);
    }

    /** {@code http://127.0.0.1:<port>}, the client URL. */
    public String clientUrl() {
        return etcd.clientUrl();
    }

    @Override
    public String name() {
        return "etcd3";
    }

    @Override
    public String configYaml() {
        return "etcd3: {hosts: " + etcd.hostPort() + "}";
    }

    @Override
    public void start() {
        etcd.startAndWait();
    }

    @Override
    public void stop() {
        etcd.stop();
    }

    @Override
    public void freeze() {
        etcd.pause();
    }

    @Override
    public void thaw() {
        etcd.resume();
    }

    @Override
    public boolean isRunning() {
        return etcd.isRunning();
    }

    /** A range read through etcd's JSON gateway ({@code /v3/kv/range}), keys and values base64 on the wire. */
    @Override
    public SortedMap<String, String> readTree(String prefix) {
        byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] end = start.clone();
        end[end.length - 1]++;
        Base64.Encoder enc = Base64.getEncoder();
        String body = Json.write(Map.of("key", enc.encodeToString(start), "range_end", enc.encodeToString(end)));
        HttpRequest request = HttpRequest.newBuilder(URI.create(etcd.clientUrl() + "/v3/kv/range"))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("etcd range read of " + prefix + " answered " + r.statusCode() + ": "
                        + r.body());
            }
            Object kvs = Json.parseObject(r.body()).get("kvs");
            SortedMap<String, String> tree = new TreeMap<>();
            if (kvs instanceof List<?> list) {
                Base64.Decoder dec = Base64.getDecoder();
                for (Object o : list) {
                    Map<?, ?> kv = (Map<?, ?>) o;
                    String key = new String(dec.decode(String.valueOf(kv.get("key"))), StandardCharsets.UTF_8);
                    Object v = kv.get("value");
                    tree.put(key, v == null ? "" : new String(dec.decode(String.valueOf(v)), StandardCharsets.UTF_8));
                }
            }
            return tree;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + prefix + " from etcd at " + etcd.clientUrl() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String logTail(int lines) {
        return etcd.logTail(lines);
    }

    @Override
    public void close() {
        try {
            etcd.close();
        } catch (RuntimeException e) {
            System.out.println("it: closing etcd failed: " + e);
        }
    }

    @Override
    public String toString() {
        return "etcd at " + etcd.hostPort();
    }
}
