/**
 * The Patroni-compatible REST API (default port 8008), on the JDK's {@code com.sun.net.httpserver}.
 *
 * <p>Entry point: {@link io.pgha.engine.rest.RestApiServer}. The HA loop feeds it through three small interfaces:
 * {@link io.pgha.engine.rest.MemberStatusSource} (an immutable {@link io.pgha.engine.rest.MemberStatus} snapshot of
 * this member), {@link io.pgha.engine.rest.ClusterViewSource} (the last DCS read, and a bounded fresh read) and
 * {@link io.pgha.engine.rest.SwitchoverHandler} (carries out accepted switchovers). Configuration comes from the
 * {@code restapi} section through {@link io.pgha.engine.rest.RestApiSettings#fromConfig}.
 *
 * <p>Served: {@code GET /patroni}, {@code /cluster}, {@code /history}, {@code /config}, {@code /failsafe},
 * {@code /liveness}, {@code /readiness}, {@code /metrics} (Prometheus text: Patroni's gauges, {@code pgha_*} and JVM
 * meters), {@code /events} (pgha's decision journal, {@code ?since=}); health checks on GET/HEAD/OPTIONS ({@code /}, {@code /primary},
 * {@code /master}, {@code /read-write}, {@code /leader}, {@code /standby-leader}, {@code /standby_leader},
 * {@code /replica}, {@code /read-only}, {@code /sync}, {@code /synchronous}, {@code /quorum}, {@code /async},
 * {@code /asynchronous}, {@code /read-only-sync}, {@code /read-only-quorum}, {@code /health}, with {@code ?lag=},
 * {@code ?tag_<k>=<v>} and {@code ?replication_state=}); {@code POST /switchover}, {@code POST /failover},
 * {@code DELETE /switchover}; through {@link io.pgha.engine.rest.ControlHandler}: {@code POST /reload},
 * {@code POST|DELETE /restart}, {@code POST /reinitialize}, {@code PATCH|PUT /config}.
 *
 * <p>Where pgha deliberately differs from Patroni: a GET/HEAD/OPTIONS path that is neither an endpoint nor names a
 * health check answers 404 (Patroni answers 503 with the status document); HEAD/OPTIONS on the endpoints above still
 * answer 503 as in Patroni. Unsafe requests to unknown paths answer 404 after the access checks (Patroni: 501).
 * Patroni endpoints not implemented yet ({@code POST /sigterm},
 * {@code POST /citus}, {@code POST /mpp}) answer 501. Status-only answers
 * carry the usual headers and {@code Content-Length: 0} instead of Patroni's bare status line.
 */
package io.pgha.engine.rest;
