package io.pgha.testkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.json.Json;
import io.pgha.testkit.Timing;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The stand-in's behaviour against what Consul's HTTP API documentation promises, through plain HTTP. */
class ConsulStandInTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ConsulStandIn consul;

    @AfterEach
    void close() {
        if (consul != null) {
            consul.close();
        }
    }

    private HttpResponse<String> call(String method, String pathAndQuery, String body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        HttpRequest request = HttpRequest.newBuilder(URI.create(consul.url() + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).method(method, publisher).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String session(String body) {
        HttpResponse<String> r = call("PUT", "/v1/session/create", body);
        assertEquals(200, r.statusCode(), r.body());
        return String.valueOf(Json.parseObject(r.body()).get("ID"));
    }

    private long modifyIndex(String key) {
        HttpResponse<String> r = call("GET", "/v1/kv/" + key, null);
        assertEquals(200, r.statusCode(), r.body());
        return ((Number) ((Map<?, ?>) ((List<?>) Json.parse(r.body())).get(0)).get("ModifyIndex")).longValue();
    }

    @Test
    @DisplayName("cas=0 creates once, cas=<ModifyIndex> replaces once, a stale index changes nothing; 404 still carries X-Consul-Index")
    void compareAndSet() {
        consul = ConsulStandIn.launch();
        HttpResponse<String> missing = call("GET", "/v1/kv/service/a/config", null);
        assertEquals(404, missing.statusCode());
        assertTrue(Long.parseLong(missing.headers().firstValue("X-Consul-Index").orElseThrow()) >= 1);

        assertEquals("true", call("PUT", "/v1/kv/service/a/config?cas=0", "one").body());
        assertEquals("false", call("PUT", "/v1/kv/service/a/config?cas=0", "two").body());
        long v1 = modifyIndex("service/a/config");
        assertEquals("true", call("PUT", "/v1/kv/service/a/config?cas=" + v1, "three").body());
        assertEquals("false", call("PUT", "/v1/kv/service/a/config?cas=" + v1, "four").body());
        assertEquals("three", call("GET", "/v1/kv/service/a/config?raw", null).body());

        assertEquals("false", call("DELETE", "/v1/kv/service/a/config?cas=0", null).body(), "cas=0 never deletes");
        assertEquals("false", call("DELETE", "/v1/kv/service/a/config?cas=" + v1, null).body());
        assertEquals("true", call("DELETE", "/v1/kv/service/a/config?cas=" + modifyIndex("service/a/config"), null).body());
        assertEquals(404, call("GET", "/v1/kv/service/a/config", null).statusCode());
    }

    @Test
    @DisplayName("acquire takes a free lock only; release only by the holder; an unknown session is an error; recurse lists a prefix only")
    void acquireAndRelease() {
        consul = ConsulStandIn.launch();
        String s1 = session("{\"TTL\":\"15s\",\"Behavior\":\"delete\",\"LockDelay\":0}");
        String s2 = session("{\"TTL\":\"15s\",\"Behavior\":\"delete\",\"LockDelay\":0}");
        assertEquals("true", call("PUT", "/v1/kv/service/b/leader?acquire=" + s1, "n1").body());
        assertEquals("false", call("PUT", "/v1/kv/service/b/leader?acquire=" + s2, "n2").body());
        assertEquals("false", call("PUT", "/v1/kv/service/b/leader?release=" + s2, "n2").body());
        assertEquals(Optional.of(s1), consul.lockHolder("service/b/leader"));
        assertEquals("n1", consul.values("service/b/").get("service/b/leader"));
        assertEquals("true", call("PUT", "/v1/kv/service/b/leader?release=" + s1, "n1").body());
        assertEquals(Optional.empty(), consul.lockHolder("service/b/leader"));
        assertEquals("true", call("PUT", "/v1/kv/service/b/leader?acquire=" + s2, "n2").body());
        assertEquals(500, call("PUT", "/v1/kv/service/b/x?acquire=nope", "v").statusCode());

        consul.put("service/b2/leader", "other");
        List<?> listed = (List<?>) Json.parse(call("GET", "/v1/kv/service/b/?recurse", null).body());
        assertEquals(1, listed.size(), "recurse on service/b/ must not list service/b2/: " + listed);
    }

    @Test
    @DisplayName("a session TTL below session_ttl_min is refused with 500 Invalid Session TTL; agent/self reports the minimum")
    void ttlFloor() {
        consul = ConsulStandIn.launch();
        HttpResponse<String> r = call("PUT", "/v1/session/create", "{\"TTL\":\"2s\"}");
        assertEquals(500, r.statusCode());
        assertTrue(r.body().startsWith("Invalid Session TTL '2000000000', must be between [10s=24h0m0s]"), r.body());
        Map<String, Object> self = Json.parseObject(call("GET", "/v1/agent/self", null).body());
        assertEquals("10s", ((Map<?, ?>) self.get("DebugConfig")).get("SessionTTLMin"));
        assertEquals(500, call("PUT", "/v1/session/create", "{\"TTL\":\"25h\"}").statusCode());
        assertEquals(200, call("PUT", "/v1/session/create", "{\"TTL\":\"10s\"}").statusCode());
    }

    @Test
    @DisplayName("an unrenewed session with Behavior delete outlives its TTL and deletes its keys by twice the TTL; renew of a gone session is 404")
    void sessionExpiryDeletes() {
        consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
        String s = session("{\"TTL\":\"1s\",\"Behavior\":\"delete\",\"LockDelay\":0}");
        long created = System.nanoTime();
        assertEquals("true", call("PUT", "/v1/kv/service/c/leader?acquire=" + s, "n1").body());
        Timing.pauseUntil(created + Duration.ofMillis(900).toNanos());
        assertTrue(consul.values("service/c/").containsKey("service/c/leader"), "invalidated before its TTL");
        Timing.await(Timing.current().seconds(5), () -> consul.values("service/c/").isEmpty(), () -> "key still there");
        long goneAfterMs = (System.nanoTime() - created) / 1_000_000;
        assertTrue(goneAfterMs >= 1000, "the key went after " + goneAfterMs + " ms, before the TTL");
        assertEquals(404, call("PUT", "/v1/session/renew/" + s, null).statusCode());
    }

    @Test
    @DisplayName("renewing keeps a session; Behavior release keeps the key unlocked; lock-delay blocks re-acquiring, release does not")
    void renewReleaseAndLockDelay() {
        consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
        String s = session("{\"TTL\":\"1s\",\"Behavior\":\"release\",\"LockDelay\":\"1s\"}");
        String other = session("{\"LockDelay\":0}");
        assertEquals("true", call("PUT", "/v1/kv/service/d/lock?acquire=" + s, "a").body());
        long start = System.nanoTime();
        for (int i = 1; i <= 6; i++) {
            Timing.pauseUntil(start + Duration.ofMillis(500L * i).toNanos());
            assertEquals(200, call("PUT", "/v1/session/renew/" + s, null).statusCode(), "renew #" + i);
        }
        assertEquals(Optional.of(s), consul.lockHolder("service/d/lock"), "a renewed session was invalidated");
        Timing.await(Timing.current().seconds(5), () -> consul.lockHolder("service/d/lock").isEmpty(), () -> "still locked");
        assertEquals("a", consul.values("service/d/").get("service/d/lock"), "release behaviour keeps the key");
        assertEquals("false", call("PUT", "/v1/kv/service/d/lock?acquire=" + other, "b").body(), "acquired within lock-delay");
        Timing.await(Timing.current().seconds(5),
                () -> "true".equals(call("PUT", "/v1/kv/service/d/lock?acquire=" + other, "b").body()),
                () -> "never acquirable after the lock-delay");

        // an explicit release starts no lock-delay
        String third = session("{\"LockDelay\":\"30s\"}");
        assertEquals("true", call("PUT", "/v1/kv/service/d/lock?release=" + other, "b").body());
        assertEquals("true", call("PUT", "/v1/kv/service/d/lock?acquire=" + third, "c").body());
        // destroying a session invalidates it: lock-delay applies
        assertEquals("true", call("PUT", "/v1/session/destroy/" + third, null).body());
        assertEquals(Optional.empty(), consul.lockHolder("service/d/lock"));
        assertEquals("false", call("PUT", "/v1/kv/service/d/lock?acquire=" + other, "d").body());
    }

    @Test
    @DisplayName("a blocking query returns when its prefix changes (deletions included), and after wait when nothing does")
    void blockingQueries() throws Exception {
        consul = ConsulStandIn.launch();
        consul.put("service/e/leader", "n1");
        consul.put("service/other/x", "y");
        HttpResponse<String> first = call("GET", "/v1/kv/service/e/?recurse", null);
        long idx = Long.parseLong(first.headers().firstValue("X-Consul-Index").orElseThrow());

        long t0 = System.nanoTime();
        HttpResponse<String> idle = call("GET", "/v1/kv/service/e/?recurse&index=" + idx + "&wait=1s", null);
        long idleMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(String.valueOf(idx), idle.headers().firstValue("X-Consul-Index").orElseThrow());
        assertTrue(idleMs >= 1000, "returned after " + idleMs + " ms without a change");

        Thread writer = new Thread(() -> {
            Timing.pause(Duration.ofMillis(300));
            consul.put("service/other/x", "z"); // another prefix: must not wake the query
            Timing.pause(Duration.ofMillis(200));
            call("DELETE", "/v1/kv/service/e/leader", null);
        });
        writer.start();
        HttpResponse<String> woken = call("GET", "/v1/kv/service/e/?recurse&index=" + idx + "&wait=20s", null);
        writer.join();
        assertEquals(404, woken.statusCode(), "the prefix is empty after the delete");
        assertTrue(Long.parseLong(woken.headers().firstValue("X-Consul-Index").orElseThrow()) > idx);
    }

    @Test
    @DisplayName("stop refuses connections and keeps the data for start on the same port; values over 512 KiB are refused")
    void restartAndLimits() {
        consul = ConsulStandIn.launch();
        consul.put("service/f/config", "{}");
        int port = consul.port();
        consul.stop();
        assertFalse(consul.isRunning());
        assertThrows(java.io.UncheckedIOException.class, () -> call("GET", "/v1/kv/service/f/config", null));
        consul.start();
        assertEquals(port, consul.port());
        assertEquals("{}", call("GET", "/v1/kv/service/f/config?raw", null).body());
        assertEquals(413, call("PUT", "/v1/kv/service/f/big", "x".repeat(ConsulStandIn.MAX_VALUE_BYTES + 1)).statusCode());
        assertEquals(400, call("PUT", "/v1/kv//service/f/slash", "x").statusCode());
        assertEquals(500, call("GET", "/v1/kv/service/f/config?dc=elsewhere", null).statusCode());
        assertEquals(404, call("GET", "/v1/txn", null).statusCode());
    }

    @Test
    @DisplayName("services register with an HTTP check (Interval required) and deregister by id; a required ACL token is enforced")
    void servicesAndToken() {
        consul = ConsulStandIn.builder().requireToken("s3cret").start();
        String service = "{\"ID\":\"batman/node1\",\"Name\":\"batman\",\"Tags\":[\"primary\"],\"Port\":5432,"
                + "\"Check\":{\"HTTP\":\"http://127.0.0.1:8008/primary\",\"Interval\":\"5s\","
                + "\"DeregisterCriticalServiceAfter\":\"150s\"}}";
        assertEquals(403, call("PUT", "/v1/agent/service/register", service).statusCode());
        assertEquals(403, call("PUT", "/v1/agent/service/register?token=wrong", service).statusCode());
        assertEquals(200, call("PUT", "/v1/agent/service/register?token=s3cret", service).statusCode());
        Map<String, Object> registered = consul.services().get("batman/node1");
        assertNotNull(registered);
        assertEquals(List.of("primary"), registered.get("Tags"));
        assertEquals(400, call("PUT", "/v1/agent/service/register?token=s3cret",
                "{\"Name\":\"x\",\"Check\":{\"HTTP\":\"http://h/\"}}").statusCode());
        assertEquals(200, call("PUT", "/v1/agent/service/deregister/batman%2Fnode1?token=s3cret", null).statusCode());
        assertEquals(404, call("PUT", "/v1/agent/service/deregister/batman%2Fnode1?token=s3cret", null).statusCode());
        assertEquals(Map.of(), consul.services());
        // Patroni sends the id with its slash unescaped; Consul takes the whole path suffix as the id
        assertEquals(200, call("PUT", "/v1/agent/service/register?token=s3cret", service).statusCode());
        assertEquals(200, call("PUT", "/v1/agent/service/deregister/batman/node1?token=s3cret", null).statusCode());
        assertEquals(Map.of(), consul.services());
    }

    @Test
    @DisplayName("freeze holds every request unanswered and invalidates nothing; thaw answers them and overdue sessions lapse")
    void freezeAndThaw() throws Exception {
        consul = ConsulStandIn.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
        String sid = session("{\"TTL\":\"1s\",\"Behavior\":\"delete\",\"LockDelay\":0}");
        assertEquals("true", call("PUT", "/v1/kv/service/z/leader?acquire=" + sid, "n1").body());
        consul.freeze();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> held = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> call("GET", "/v1/kv/service/z/leader", null));
        Timing.pauseUntil(System.nanoTime() + Duration.ofMillis(2500).toNanos()); // beyond 2 x the session TTL
        assertFalse(held.isDone(), "a frozen stand-in answered");
        assertEquals(Optional.of(sid), consul.lockHolder("service/z/leader"), "invalidated while frozen");
        consul.thaw();
        assertEquals(200, held.get(5, java.util.concurrent.TimeUnit.SECONDS).statusCode());
        Timing.await(Timing.current().seconds(5), () -> consul.lockHolder("service/z/leader").isEmpty(),
                () -> "the overdue session did not lapse after the thaw");
        assertEquals(404, call("GET", "/v1/kv/service/z/leader", null).statusCode());
    }

    @Test
    @DisplayName("Go durations parse and print as Consul writes them")
    void goDurations() {
        assertEquals(Optional.of(Duration.ofMillis(1500)), ConsulStandIn.parseGoDuration("1.5s"));
        assertEquals(Optional.of(Duration.ofMinutes(165)), ConsulStandIn.parseGoDuration("2h45m"));
        assertEquals(Optional.of(Duration.ofMillis(300)), ConsulStandIn.parseGoDuration("300ms"));
        assertEquals(Optional.empty(), ConsulStandIn.parseGoDuration("10"));
        assertEquals(Optional.empty(), ConsulStandIn.parseGoDuration("s"));
        assertEquals("10s", ConsulStandIn.goDuration(Duration.ofSeconds(10)));
        assertEquals("24h0m0s", ConsulStandIn.goDuration(Duration.ofHours(24)));
        assertEquals("1m30s", ConsulStandIn.goDuration(Duration.ofSeconds(90)));
        assertEquals("2.5s", ConsulStandIn.goDuration(Duration.ofMillis(2500)));
        assertEquals("500ms", ConsulStandIn.goDuration(Duration.ofMillis(500)));
    }
}
