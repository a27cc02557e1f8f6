package io.pgha.dcs.kubernetes.internal;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** Patroni's annotation names on the Kubernetes objects, and its timestamp format. */
final class Annotations {
    private Annotations() {
    }

    // leader object
    static final String LEADER = "leader";
    static final String ACQUIRE_TIME = "acquireTime";
    static final String RENEW_TIME = "renewTime";
    static final String TTL = "ttl";
    static final String TRANSITIONS = "transitions";
    static final String OPTIME = "optime";
    static final String SLOTS = "slots";
    static final String RETAIN_SLOTS = "retain_slots";
    static final String FAILSAFE = "failsafe";
    /** The annotations that make up the lock itself; a change of any of them restarts its ttl. */
    static final List<String> LEADER_RECORD = List.of(LEADER, ACQUIRE_TIME, RENEW_TIME, TTL, TRANSITIONS);

    // config object
    static final String CONFIG = "config";
    static final String INITIALIZE = "initialize";
    static final String HISTORY = "history";

    // failover object
    static final String FAILOVER_LEADER = "leader";
    static final String FAILOVER_MEMBER = "member";
    static final String SCHEDULED_AT = "scheduled_at";

    // sync object
    static final String SYNC_LEADER = "leader";
    static final String SYNC_STANDBY = "sync_standby";
    static final String QUORUM = "quorum";

    // pods
    /** The member record (Patroni's). */
    static final String STATUS = "status";
    /**
     * pgha's heartbeat on a member's pod, rewritten with every publish. Patroni lets a member live as long as its
     * pod; pgha's contract also lets a member whose agent died vanish after ttl, which needs a value that changes
     * even when the record does not. A pod without it (written by Patroni) is judged as Patroni judges it.
     */
    static final String MEMBER_RENEW = "pgha.io/renewTime";

    private static final DateTimeFormatter ISO_MICROS = DateTimeFormatter.ofPattern(
            "yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx", Locale.ROOT);

    /** Now in UTC as Patroni writes it ({@code 2026-12-05T10:11:12.123456+00:00}). */
    static String timestamp(OffsetDateTime t) {
        return t.withOffsetSameInstant(ZoneOffset.UTC).format(ISO_MICROS);
    }
}
