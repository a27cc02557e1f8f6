package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.engine.rest.SwitchoverHandler.Action;
import io.pgha.engine.rest.SwitchoverHandler.Result;
import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("REST API server")
class RestApiServerTest {
    static final Fixtures.Sources SOURCES = new Fixtures.Sources();
    static RestApiServer server;
    static Http http;

    @BeforeAll
    static void start() {
        server = RestApiServer.builder(RestApiSettings.listen("127.0.0.1", 0)
                        .withExtraHeaders(Map.of("X-Frame-Options", "deny"), Map.of("Strict-Transport-Security", "x")))
                .identity("batman", "node1").memberStatus(SOURCES).clusterView(SOURCES).switchover(SOURCES)
                .clusterReadTimeout(Duration.ofSeconds(2)).build();
        server.start();
        http = Http.to(server);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @BeforeEach
    void reset() {
        SOURCES.reset();
    }

    static void member(MemberStatus.Builder b) {
        SOURCES.member.set(b.build());
    }

    /** GET, HEAD and OPTIONS of {@code path} all answer {@code expected}; HEAD and OPTIONS without a body. */
    static void expect(int expected, String path) {
        Http.Response get = http.get(path);
        assertEquals(expected, get.status(), "GET " + path + ": " + get.body());
        assertEquals("application/json", get.header("Content-Type"), "GET " + path);
        assertTrue(get.object().containsKey("patroni"), "GET " + path + " answers with the /patroni document");
        Http.Response head = http.head(path);
        assertEquals(expected, head.status(), "HEAD " + path);
        assertEquals("", head.body(), "HEAD " + path);
        Http.Response options = http.options(path);
        assertEquals(expected, options.status(), "OPTIONS " + path);
        assertEquals("", options.body(), "OPTIONS " + path);
    }

    static void expectAll(int expected, String... paths) {
        for (String p : paths) {
            expect(expected, p);
        }
    }

    @Nested
    @DisplayName("health checks")
    class HealthChecks {
        @Test
        @DisplayName("a primary holding the lock is healthy as primary, leader and read-only, not as replica")
        void primary() {
            member(Fixtures.primary());
            expectAll(200, "/", "/primary", "/master", "/read-write", "/leader", "/read-only", "/health");
            expectAll(503, "/standby-leader", "/standby_leader", "/replica", "/sync", "/synchronous", "/async",
                    "/asynchronous");
        }

        @Test
        @DisplayName("a streaming replica is healthy as replica, read-only and async")
        void replica() {
            member(Fixtures.replica());
            expectAll(200, "/replica", "/read-only", "/health", "/async", "/asynchronous");
            expectAll(503, "/", "/primary", "/master", "/read-write", "/leader", "/standby-leader", "/sync",
                    "/read-only-sync");
        }

        @Test
        @DisplayName("a standby leader is healthy as leader and standby leader, not as primary or replica")
        void standbyLeader() {
            member(Fixtures.standbyLeader());
            expectAll(200, "/leader", "/standby-leader", "/standby_leader", "/read-only", "/health");
            expectAll(503, "/", "/primary", "/master", "/read-write", "/replica", "/async");
        }

        @Test
        @DisplayName("a stopped member is unhealthy everywhere")
        void stopped() {
            member(Fixtures.stopped());
            expectAll(503, "/", "/primary", "/leader", "/standby-leader", "/replica", "/read-only", "/health",
                    "/async", "/sync");
        }

        @Test
        @DisplayName("a lock whose expiry passed no longer counts, even if the HA loop has not noticed")
        void expiredLock() {
            member(Fixtures.primary().lockHeldUntil(Instant.now().minusSeconds(1)));
            expectAll(503, "/primary", "/leader");
            expect(200, "/health");
        }

        @Test
        @DisplayName("/replica?lag= compares the replayed LSN with the leader's optime, in bytes or with units")
        void lag() {
            member(Fixtures.replica());
            // leader optime 1000, replayed 980
            expect(503, "/replica?lag=10");
            expect(200, "/replica?lag=20");
            expect(200, "/replica?lag=1kB");
            expect(200, "/replica?lag=16MB");
            expect(200, "/replica?lag=nonsense");
            expect(503, "/asynchronous?lag=0");
            expect(503, "/read-only?lag=19");
            // latest_end_lsn from the WAL receiver raises the leader's known position
            member(Fixtures.replica().postgres(PostgresStatus.replica(Fixtures.STARTED, 150004,
                    new PostgresStatus.ReplicaXlog(990, 980, Optional.empty(), false), 2, "streaming", 5000)));
            expect(503, "/replica?lag=1kB");
            expect(200, "/replica?lag=64MB");
        }

        @Test
        @DisplayName("without a trusted DCS view the optime is unknown and only latest_end_lsn counts")
        void lagWithoutDcs() {
            member(Fixtures.replica());
            SOURCES.staleRead(Fixtures.cluster(Fixtures.twoMembers()));
            expect(200, "/replica?lag=0");
            expect(503, "/sync");
            expect(503, "/async");
        }

        @Test
        @DisplayName("?tag_<k>=<v> filters compare tags, non-strings lower-cased; leader paths ignore them")
        void tags() {
            Map<String, Object> tags = new LinkedHashMap<>();
            tags.put("dc", "east");
            tags.put("nofailover", true);
            tags.put("priority", 3);
            member(Fixtures.replica().tags(tags));
            expect(200, "/replica?tag_dc=east");
            expect(200, "/replica?tag_dc=east&tag_nofailover=true&tag_priority=3");
            expect(503, "/replica?tag_dc=west");
            expect(503, "/replica?tag_rack=r1");
            expect(503, "/replica?tag_nofailover=True");
            expect(503, "/health?tag_dc=west");
            member(Fixtures.primary().tags(tags));
            expect(200, "/primary?tag_dc=west");
            expect(200, "/leader?tag_rack=r1");
        }

        @Test
        @DisplayName("a replica tagged noloadbalance is not a replica for load balancers")
        void noLoadBalance() {
            member(Fixtures.replica().tags(Map.of("noloadbalance", true)));
            expectAll(503, "/replica", "/read-only", "/async");
            expect(200, "/health");
        }

        @Test
        @DisplayName("/replica?replication_state= matches the replication state")
        void replicationState() {
            member(Fixtures.replica());
            expect(200, "/replica?replication_state=streaming");
            expect(503, "/replica?replication_state=in%20archive%20recovery");
        }

        @Test
        @DisplayName("a replica listed in /sync is a sync standby; in quorum mode a quorum standby")
        void synchronous() {
            SOURCES.lastRead(Fixtures.cluster(raw -> {
                raw.put("leader", "node2");
                raw.put("sync", "{\"leader\":\"node2\",\"sync_standby\":\"node1\",\"quorum\":null}");
                return raw;
            }));
            HaSettings sync = HaSettings.DEFAULTS.withSynchronousMode(HaSettings.SyncMode.ON);
            member(Fixtures.replica().settings(sync));
            expectAll(200, "/sync", "/synchronous", "/read-only-sync", "/replica");
            expectAll(503, "/async", "/quorum", "/read-only-quorum");
            assertEquals(true, http.get("/patroni").object().get("sync_standby"));

            member(Fixtures.replica().settings(sync.withSynchronousMode(HaSettings.SyncMode.QUORUM)));
            expectAll(200, "/quorum", "/read-only-quorum");
            expectAll(503, "/sync", "/async");
            assertEquals(true, http.get("/patroni").object().get("quorum_standby"));

            member(Fixtures.primary().settings(sync));
            expectAll(200, "/read-only-sync", "/read-only-synchronous", "/read-only-quorum");
        }

        @Test
        @DisplayName("paused and DCS unreachable: the role answers the leader checks")
        void pausedWithoutDcs() {
            SOURCES.last.set(Optional.empty());
            member(Fixtures.primary().lockHeldUntil(null).settings(HaSettings.DEFAULTS.withPaused(true)));
            expectAll(200, "/primary", "/leader");
            member(Fixtures.primary().lockHeldUntil(null));
            expectAll(503, "/primary", "/leader");
        }

        @Test
        @DisplayName("/liveness fails once the next HA cycle is overdue by ttl (primary) or 2×ttl (others)")
        void liveness() {
            member(Fixtures.primary());
            assertEquals(200, http.get("/liveness").status());
            assertEquals("", http.get("/liveness").body());
            member(Fixtures.primary().nextRun(Instant.now().minusSeconds(31)));
            assertEquals(503, http.get("/liveness").status());
            member(Fixtures.replica().nextRun(Instant.now().minusSeconds(31)));
            assertEquals(200, http.get("/liveness").status());
            member(Fixtures.replica().nextRun(Instant.now().minusSeconds(61)));
            assertEquals(503, http.get("/liveness").status());
            member(Fixtures.replica().nextRun(Instant.now().minusSeconds(600)).settings(
                    HaSettings.DEFAULTS.withPaused(true)));
            assertEquals(200, http.get("/liveness").status());
        }

        @Test
        @DisplayName("/readiness: the leader is ready; a replica when streaming within the allowed lag")
        void readiness() {
            member(Fixtures.primary());
            assertEquals(200, http.get("/readiness").status());
            member(Fixtures.replica());
            assertEquals(200, http.get("/readiness").status());
            assertEquals(503, http.get("/readiness?lag=10").status());
            assertEquals(200, http.get("/readiness?lag=10&mode=write").status());
            assertEquals(503, http.get("/readiness?lag=9&mode=write").status());
            member(Fixtures.replica().postgres(PostgresStatus.replica(Fixtures.STARTED, 150004,
                    new PostgresStatus.ReplicaXlog(990, 980, Optional.empty(), false), 2, "in archive recovery", 0)));
            assertEquals(503, http.get("/readiness").status());
            member(Fixtures.stopped());
            assertEquals(503, http.get("/readiness").status());
            member(Fixtures.replica());
            SOURCES.last.set(Optional.empty());
            assertEquals(503, http.get("/readiness").status(), "DCS not accessible");
            member(Fixtures.replica().failsafeActive(true));
            assertEquals(200, http.get("/readiness").status(), "failsafe keeps it ready");
        }

        @Test
        @DisplayName("HEAD and OPTIONS on /liveness, /readiness and /patroni fall into the health logic: 503")
        void statusOnlyOnEndpoints() {
            member(Fixtures.primary());
            for (String p : List.of("/liveness", "/readiness", "/patroni", "/cluster")) {
                assertEquals(503, http.head(p).status(), "HEAD " + p);
                assertEquals(503, http.options(p).status(), "OPTIONS " + p);
            }
        }
    }

    @Nested
    @DisplayName("read endpoints")
    class Reads {
        @Test
        @DisplayName("/patroni of a primary has Patroni's fields and types")
        void patroniPrimary() {
            member(Fixtures.primary().tags(Map.of("clonefrom", true)).pendingRestart(Map.of("max_connections",
                    new MemberStatus.ParameterChange("100", "200"))));
            Http.Response r = http.get("/patroni");
            assertEquals(200, r.status());
            JsonShape.assertSameShape(JsonShape.PRIMARY_REFERENCE, r.json());
            Map<String, Object> doc = r.object();
            assertEquals("2026-01-15 08:30:12.125000+00:00", doc.get("postmaster_start_time"));
            assertEquals(Map.of("location", 1000L), doc.get("xlog"));
            assertEquals(Map.of("version", "4.1.4", "scope", "batman", "name", "node1"), doc.get("patroni"));
            assertFalse(doc.containsKey("cluster_unlocked"));
            assertEquals(List.of("state", "postmaster_start_time", "role", "server_version", "xlog", "timeline",
                    "replication", "dcs_last_seen", "tags", "database_system_identifier", "pending_restart",
                    "pending_restart_reason", "patroni"), new ArrayList<>(doc.keySet()), "Patroni's field order");
        }

        @Test
        @DisplayName("/patroni of a replica has the replica xlog and replication_state")
        void patroniReplica() {
            member(Fixtures.replica());
            Http.Response r = http.get("/patroni");
            JsonShape.assertSameShape(JsonShape.REPLICA_REFERENCE, r.json());
            assertEquals("2026-01-15 08:31:12.125000+00:00",
                    ((Map<?, ?>) r.object().get("xlog")).get("replayed_timestamp"));
        }

        @Test
        @DisplayName("/patroni of a stopped member shows state and role only, and the DCS flags")
        void patroniStopped() {
            member(Fixtures.stopped().settings(HaSettings.DEFAULTS.withPaused(true)));
            SOURCES.lastRead(Fixtures.cluster(raw -> {
                raw.remove("leader");
                return raw;
            }));
            Http.Response r = http.get("/patroni");
            JsonShape.assertSameShape(JsonShape.STOPPED_REFERENCE, r.json());
            assertEquals(true, r.object().get("pause"));
            assertEquals(true, r.object().get("cluster_unlocked"));
        }

        @Test
        @DisplayName("/cluster lists members by name with role, state, host, port, lag and LSNs from a fresh read")
        void cluster() {
            SOURCES.fresh.set(Fixtures.cluster(raw -> {
                raw.put("failover", "{\"leader\":\"node1\",\"member\":\"node2\","
                        + "\"scheduled_at\":\"2030-01-01T10:00:00+00:00\"}");
                raw.put("members/a-node", "{\"conn_url\":\"postgres://[::1]/postgres\",\"state\":\"stopped\","
                        + "\"role\":\"replica\"}");
                return raw;
            }));
            Http.Response r = http.get("/cluster");
            assertEquals(200, r.status());
            assertEquals(1, SOURCES.freshReads);
            JsonShape.assertSameShape(JsonShape.CLUSTER_REFERENCE, r.json());
            Map<String, Object> doc = r.object();
            List<?> members = (List<?>) doc.get("members");
            Map<?, ?> a = (Map<?, ?>) members.get(0);
            Map<?, ?> leader = (Map<?, ?>) members.get(1);
            Map<?, ?> replica = (Map<?, ?>) members.get(2);
            assertEquals(List.of("a-node", "node1", "node2"), members.stream().map(m -> ((Map<?, ?>) m).get("name"))
                    .toList());
            assertEquals("leader", leader.get("role"));
            assertEquals("10.0.0.1", leader.get("host"));
            assertEquals(5432L, leader.get("port"));
            assertFalse(leader.containsKey("lag"));
            assertEquals("replica", replica.get("role"));
            assertEquals("streaming", replica.get("state"));
            assertEquals(5433L, replica.get("port"));
            assertEquals(100L, replica.get("lag"));
            assertEquals("0/384", replica.get("lsn"));
            assertEquals(50L, replica.get("receive_lag"));
            assertEquals("0/3B6", replica.get("receive_lsn"));
            assertEquals(Map.of("dc", "east"), replica.get("tags"));
            assertEquals("unknown", a.get("lag"));
            assertEquals("unknown", a.get("lsn"));
            assertEquals("::1", a.get("host"));
            assertNull(a.get("api_url"));
            assertEquals(Map.of("at", "2030-01-01T10:00:00+00:00", "from", "node1", "to", "node2"),
                    doc.get("scheduled_switchover"));
            assertEquals("batman", doc.get("scope"));
            assertEquals("scope", new ArrayList<>(doc.keySet()).get(doc.size() - 1));
        }

        @Test
        @DisplayName("/cluster marks the standby leader, sync standbys and pause from the fresh config")
        void clusterRoles() {
            SOURCES.fresh.set(Fixtures.cluster(raw -> {
                raw.put("config", "{\"synchronous_mode\":true,\"pause\":true}");
                raw.put("sync", "{\"leader\":\"node1\",\"sync_standby\":\"node2\"}");
                return raw;
            }));
            Map<String, Object> doc = http.get("/cluster").object();
            assertEquals(true, doc.get("pause"));
            assertEquals("sync_standby", ((Map<?, ?>) ((List<?>) doc.get("members")).get(1)).get("role"));
            SOURCES.fresh.set(Fixtures.cluster(raw -> {
                raw.put("config", "{\"standby_cluster\":{\"host\":\"10.1.0.1\",\"port\":5432}}");
                return raw;
            }));
            assertEquals("standby_leader",
                    ((Map<?, ?>) ((List<?>) http.get("/cluster").object().get("members")).get(0)).get("role"));
        }

        @Test
        @DisplayName("/cluster answers 503 when the DCS cannot be read")
        void clusterWithoutDcs() {
            SOURCES.freshFailure.set(new DcsUnavailableException("etcd is down"));
            Http.Response r = http.get("/cluster");
            assertEquals(503, r.status());
            assertEquals("DCS is not accessible", r.object().get("error"));
        }

        @Test
        @DisplayName("/history lists [timeline, lsn, reason, timestamp, new_leader]")
        void history() {
            Http.Response r = http.get("/history");
            assertEquals(200, r.status());
            assertEquals(List.of(List.of(1L, 2000L, "no recovery target specified", "2026-01-15T08:31:00+00:00",
                    "node1")), r.json());
            assertEquals(0, SOURCES.freshReads, "a trusted view is used as it is");
        }

        @Test
        @DisplayName("/config answers the dynamic configuration, 502 without one, and reads afresh when stale")
        void config() {
            Http.Response r = http.get("/config");
            assertEquals(200, r.status());
            assertEquals(Map.of("ttl", 30L, "loop_wait", 10L, "maximum_lag_on_failover", 1048576L), r.json());
            SOURCES.staleRead(Fixtures.cluster(Fixtures.twoMembers()));
            SOURCES.fresh.set(Fixtures.cluster(raw -> {
                raw.remove("config");
                return raw;
            }));
            assertEquals(502, http.get("/config").status());
            assertEquals(1, SOURCES.freshReads);
        }

        @Test
        @DisplayName("unknown paths answer 404; unimplemented Patroni endpoints 501")
        void unknown() {
            Http.Response r = http.get("/nothing-here");
            assertEquals(404, r.status());
            assertEquals("not found", r.object().get("error"));
            assertEquals(404, http.head("/nothing-here").status());
            assertEquals(404, http.options("/nothing-here").status());
            assertEquals(404, http.post("/nothing-here", "{\"a\":1}").status());
            assertEquals(501, http.send("PUT", "/config", "{\"a\":1}", Map.of()).status());
            assertEquals(501, http.send("TRACE", "/", null, Map.of()).status());
        }

        @Test
        @DisplayName("every response carries the Server header and http_extra_headers, but not https_extra_headers")
        void headers() {
            Http.Response r = http.get("/patroni");
            assertTrue(r.header("Server").startsWith("pgha/"), r.header("Server"));
            assertEquals("deny", r.header("X-Frame-Options"));
            assertNull(r.header("Strict-Transport-Security"));
            assertEquals("deny", http.head("/primary").header("X-Frame-Options"));
        }

        @Test
        @DisplayName("a failing status source is answered with 500 and a short message")
        void failingSource() {
            SOURCES.member.set(null);
            Http.Response r = http.get("/patroni");
            assertEquals(500, r.status());
            assertEquals("internal server error", r.body());
        }
    }

    @Nested
    @DisplayName("POST /switchover and /failover")
    class Switchover {
        Http.Response post(String body) {
            return http.post("/switchover", body);
        }

        @Test
        @DisplayName("a body without Content-Length is refused with 411")
        void lengthRequired() {
            assertEquals(411, http.postChunked("/switchover", "{\"leader\":\"node1\"}").status());
        }

        @Test
        @DisplayName("bad, empty or non-object JSON is refused with 400 and a message")
        void badJson() {
            for (String body : List.of("{\"leader\":", "{}", "[1]", "\"x\"", "")) {
                Http.Response r = post(body);
                assertEquals(400, r.status(), body);
                assertTrue(r.body().startsWith("Bad request"), r.body());
            }
            assertEquals(400, post("{\"leader\":{\"a\":1}}").status());
            assertTrue(rawExchange("POST /switchover HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
                    .startsWith("HTTP/1.1 413 "), "a declared body above 1 MiB is refused before it is read");
            assertTrue(SOURCES.requests.isEmpty());
        }

        @Test
        @DisplayName("Patroni's 400 messages, in Patroni's order")
        void badRequests() {
            assertEquals(new Expected(400, "Switchover could be performed only from a specific leader"),
                    answer(post("{\"candidate\":\"node2\"}")));
            assertEquals(new Expected(400, "Switchover target and source are the same"),
                    answer(post("{\"leader\":\"node1\",\"candidate\":\"node1\"}")));
            assertEquals(new Expected(400, "Failover could be performed only to a specific candidate"),
                    answer(http.post("/failover", "{\"leader\":\"node1\"}")));
            assertEquals(new Expected(400, "Failover can't be scheduled"), answer(http.post("/failover",
                    "{\"candidate\":\"node2\",\"scheduled_at\":\"2099-01-01T00:00:00+00:00\"}")));
            assertTrue(SOURCES.requests.isEmpty());
        }

        @Test
        @DisplayName("Patroni's 412 messages from the fresh DCS read")
        void preconditions() {
            assertEquals(new Expected(412, "leader name does not match"), answer(post("{\"leader\":\"node9\"}")));
            assertEquals(new Expected(412, "candidate does not exists"),
                    answer(post("{\"leader\":\"node1\",\"candidate\":\"ghost\"}")));
            SOURCES.fresh.set(Fixtures.cluster(raw -> {
                raw.remove("members/node2");
                return raw;
            }));
            assertEquals(new Expected(412, "switchover is not possible: cluster does not have members except leader"),
                    answer(post("{\"leader\":\"node1\"}")));
            SOURCES.fresh.set(Fixtures.cluster(raw -> {
                raw.put("config", "{\"synchronous_mode\":\"on\"}");
                return raw;
            }));
            assertEquals(new Expected(412, "candidate name does not match with sync_standby"),
                    answer(post("{\"leader\":\"node1\",\"candidate\":\"node2\"}")));
            assertEquals(new Expected(412, "switchover is not possible: can not find sync_standby"),
                    answer(post("{\"leader\":\"node1\"}")));
            assertTrue(SOURCES.requests.isEmpty());
        }

        @Test
        @DisplayName("an accepted switchover is delegated and answered with the new leader")
        void success() {
            SOURCES.switchover.set(r -> new Result.Completed("node2"));
            assertEquals(new Expected(200, "Successfully switched over to \"node2\""),
                    answer(post("{\"leader\":\"node1\",\"candidate\":\"node2\"}")));
            SwitchoverHandler.Request req = SOURCES.lastRequest();
            assertEquals(Action.SWITCHOVER, req.action());
            assertEquals(Optional.of("node1"), req.leader());
            assertEquals(Optional.of("node2"), req.candidate());
            assertEquals(Optional.empty(), req.scheduledAt());
            assertEquals(Optional.of("node1"), req.cluster().leader().map(l -> l.name()));

            assertEquals(new Expected(200, "Successfully switched over to \"node2\""),
                    answer(post("{\"leader\":\"node1\"}")));
            SOURCES.switchover.set(r -> new Result.Completed("node3"));
            assertEquals(new Expected(200, "Switched over to \"node3\" instead of \"node2\""),
                    answer(post("{\"leader\":\"node1\",\"member\":\"node2\"}")));
        }

        @Test
        @DisplayName("failures of the HA side map to 412/503 with Patroni's wording")
        void failures() {
            String body = "{\"leader\":\"node1\",\"candidate\":\"node2\"}";
            SOURCES.switchover.set(r -> new Result.Failed());
            assertEquals(new Expected(503, "Switchover failed"), answer(post(body)));
            SOURCES.switchover.set(r -> new Result.TimedOut());
            assertEquals(new Expected(503, "Switchover status unknown"), answer(post(body)));
            SOURCES.switchover.set(r -> new Result.NotRecorded());
            assertEquals(new Expected(503, "failed to write failover key into DCS"), answer(post(body)));
            SOURCES.switchover.set(r -> new Result.NotPossible(
                    "switchover is not possible: no good candidates have been found"));
            assertEquals(new Expected(412, "switchover is not possible: no good candidates have been found"),
                    answer(post(body)));
            SOURCES.switchover.set(r -> {
                throw new IllegalStateException("boom");
            });
            assertEquals(new Expected(503, "Switchover status unknown"), answer(post(body)));
            SOURCES.freshFailure.set(new DcsUnavailableException("down"));
            assertEquals(new Expected(503, "DCS is not accessible"), answer(post(body)));
        }

        @Test
        @DisplayName("a failover names the candidate; with a leader it becomes a switchover")
        void failover() {
            SOURCES.switchover.set(r -> new Result.Completed("node2"));
            assertEquals(new Expected(200, "Successfully failed over to \"node2\""),
                    answer(http.post("/failover", "{\"candidate\":\"node2\"}")));
            assertEquals(Action.FAILOVER, SOURCES.lastRequest().action());
            assertEquals(new Expected(200, "Successfully switched over to \"node2\""),
                    answer(http.post("/failover", "{\"candidate\":\"node2\",\"leader\":\"node1\"}")));
            assertEquals(Action.SWITCHOVER, SOURCES.lastRequest().action());
        }

        @Test
        @DisplayName("scheduled switchovers: validated timestamp, 202, no DCS-state preconditions")
        void scheduled() {
            SOURCES.switchover.set(r -> new Result.Scheduled());
            String future = OffsetDateTime.now(ZoneOffset.ofHours(2)).plusHours(1).withNano(0).toString();
            assertEquals(new Expected(202, "Switchover scheduled"), answer(post(
                    "{\"leader\":\"node1\",\"scheduled_at\":\"" + future + "\"}")));
            assertEquals(Optional.of(OffsetDateTime.parse(future)), SOURCES.lastRequest().scheduledAt());
            assertEquals(new Expected(202, "Switchover scheduled"), answer(post(
                    "{\"leader\":\"node9\",\"scheduled_at\":\"2099-05-01 10:00Z\"}")));
            assertEquals(new Expected(400, "Timezone information is mandatory for the scheduled switchover"),
                    answer(post("{\"leader\":\"node1\",\"scheduled_at\":\"2099-05-01T10:00:00\"}")));
            assertEquals(new Expected(422, "Cannot schedule switchover in the past"),
                    answer(post("{\"leader\":\"node1\",\"scheduled_at\":\"2001-05-01T10:00:00+00:00\"}")));
            assertEquals(422, post("{\"leader\":\"node1\",\"scheduled_at\":\"next tuesday\"}").status());
            SOURCES.fresh.set(Fixtures.cluster(raw -> {
                raw.put("config", "{\"pause\":true}");
                return raw;
            }));
            assertEquals(new Expected(400, "Can't schedule switchover in the paused state"),
                    answer(post("{\"leader\":\"node1\",\"scheduled_at\":\"2099-05-01T10:00:00+00:00\"}")));
            assertEquals(new Expected(400, "Switchover is possible only to a specific candidate in a paused state"),
                    answer(post("{\"leader\":\"node1\"}")));
        }

        @Test
        @DisplayName("DELETE /switchover cancels a scheduled switchover")
        void cancel() {
            SOURCES.cancel.set(SwitchoverHandler.CancelResult.CANCELLED);
            assertEquals(new Expected(200, "scheduled switchover deleted"),
                    answer(http.send("DELETE", "/switchover", null, Map.of())));
            SOURCES.cancel.set(SwitchoverHandler.CancelResult.NOTHING_SCHEDULED);
            assertEquals(new Expected(404, "no switchover is scheduled"),
                    answer(http.send("DELETE", "/switchover", null, Map.of())));
        }

        @Test
        @DisplayName("health checks are answered while a switchover blocks")
        void healthWhileSwitchingOver() throws Exception {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            SOURCES.switchover.set(r -> {
                entered.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new Result.Completed("node2");
            });
            Thread[] clients = new Thread[2];
            for (int i = 0; i < clients.length; i++) {
                clients[i] = new Thread(() -> post("{\"leader\":\"node1\"}"));
                clients[i].start();
            }
            try {
                assertTrue(entered.await(10, TimeUnit.SECONDS));
                for (int i = 0; i < 10; i++) {
                    assertEquals(200, http.get("/primary").status());
                }
            } finally {
                release.countDown();
                for (Thread t : clients) {
                    t.join(20_000);
                }
            }
        }
    }

    record Expected(int status, String body) {
    }

    static Expected answer(Http.Response r) {
        return new Expected(r.status(), r.body());
    }

    @Nested
    @DisplayName("access control")
    class Access {
        @Test
        @DisplayName("with authentication: 401 without or with wrong credentials, GETs stay open")
        void basicAuth() {
            try (RestApiServer secured = started(RestApiSettings.listen("127.0.0.1", 0)
                    .withAuthentication(new RestApiSettings.Credentials("admin", "s3cret")))) {
                Http h = Http.to(secured);
                Http.Response none = h.post("/switchover", "{\"leader\":\"node1\"}");
                assertEquals(new Expected(401, "no auth header received"), answer(none));
                assertEquals("Basic realm=\"Patroni\"", none.header("WWW-Authenticate"));
                Http.Response wrong = h.post("/switchover", "{\"leader\":\"node1\"}",
                        Map.of("Authorization", basic("admin", "guess")));
                assertEquals(new Expected(401, "not authenticated"), answer(wrong));
                assertEquals("Basic realm=\"Patroni\"", wrong.header("WWW-Authenticate"));
                assertEquals(401, h.post("/switchover", "{}", Map.of("Authorization", "Bearer x")).status());
                assertEquals(401, h.send("DELETE", "/switchover", null, Map.of()).status());
                Http.Response ok = h.post("/switchover", "{\"candidate\":\"node2\"}",
                        Map.of("Authorization", basic("admin", "s3cret")));
                assertEquals(new Expected(400, "Switchover could be performed only from a specific leader"),
                        answer(ok));
                assertEquals(200, h.get("/patroni").status());
                assertEquals(200, h.get("/primary").status());
            }
        }

        @Test
        @DisplayName("allowlist: sources outside get 403 'Access is denied' before authentication")
        void allowlist() {
            try (RestApiServer closed = started(RestApiSettings.listen("127.0.0.1", 0)
                    .withAuthentication(new RestApiSettings.Credentials("admin", "s3cret"))
                    .withAllowlist(List.of("10.0.0.0/8", "::1"), false))) {
                Http h = Http.to(closed);
                assertEquals(new Expected(403, "Access is denied"), answer(h.post("/switchover", "{}")));
                assertEquals(200, h.get("/patroni").status());
            }
            try (RestApiServer open = started(RestApiSettings.listen("127.0.0.1", 0)
                    .withAllowlist(List.of("127.0.0.0/24"), false))) {
                assertEquals(400, Http.to(open).post("/switchover", "{\"candidate\":\"node2\"}").status());
            }
            // members' API hosts: node1's api_url is on 10.0.0.1, so loopback is refused; then add one on loopback
            try (RestApiServer members = started(RestApiSettings.listen("127.0.0.1", 0)
                    .withAllowlist(List.of(), true))) {
                Http h = Http.to(members);
                assertEquals(403, h.post("/switchover", "{\"candidate\":\"node2\"}").status());
                SOURCES.lastRead(Fixtures.cluster(raw -> {
                    raw.put("members/local", "{\"api_url\":\"http://127.0.0.1:8008/patroni\"}");
                    return raw;
                }));
                assertEquals(400, h.post("/switchover", "{\"candidate\":\"node2\"}").status());
            }
        }

        @Test
        @DisplayName("server_tokens Minimal and ProductOnly")
        void serverTokens() {
            try (RestApiServer s = started(RestApiSettings.listen("127.0.0.1", 0)
                    .withServerTokens(RestApiSettings.ServerTokens.MINIMAL))) {
                assertEquals("Patroni/4.1.4", Http.to(s).get("/health").header("Server"));
            }
            try (RestApiServer s = started(RestApiSettings.listen("127.0.0.1", 0)
                    .withServerTokens(RestApiSettings.ServerTokens.PRODUCTONLY))) {
                assertEquals("Patroni", Http.to(s).get("/health").header("Server"));
            }
        }

        @Test
        @DisplayName("lifecycle: the bound port is reported, a second start and a busy port fail clearly")
        void lifecycle() {
            try (RestApiServer s = started(RestApiSettings.listen("127.0.0.1", 0))) {
                assertTrue(s.port() > 0);
                PghaException again = assertThrows(PghaException.class, s::start);
                assertEquals("REST_ALREADY_STARTED", again.code());
                RestApiServer clash = RestApiServer.builder(RestApiSettings.listen("127.0.0.1", s.port()))
                        .identity("batman", "node1").memberStatus(SOURCES).clusterView(SOURCES).switchover(SOURCES)
                        .build();
                PghaException busy = assertThrows(PghaException.class, clash::start);
                assertEquals("REST_BIND_FAILED", busy.code());
                clash.stop();
            }
            for (String wildcard : List.of("0.0.0.0", "*", "")) {
                try (RestApiServer s = started(RestApiSettings.listen(wildcard, 0))) {
                    assertTrue(s.address().getAddress().isAnyLocalAddress(), wildcard);
                    assertEquals(200, Http.to(s).get("/primary").status(), wildcard);
                }
            }
        }
    }

    /** Sends {@code request} as raw bytes and returns everything the server answers until it closes or 5 s pass. */
    static String rawExchange(String request) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = socket.getInputStream().read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                    if (got.toString(java.nio.charset.StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // whatever arrived is the answer
            }
            return got.toString(java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static RestApiServer started(RestApiSettings settings) {
        RestApiServer s = RestApiServer.builder(settings).identity("batman", "node1").memberStatus(SOURCES)
                .clusterView(SOURCES).switchover(SOURCES).build();
        s.start();
        return s;
    }

    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("the fixtures' JSON references are valid JSON")
    void referencesParse() {
        assertTrue(Json.parse(JsonShape.PRIMARY_REFERENCE) instanceof Map);
    }
}
