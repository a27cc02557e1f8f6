package io.pgha.engine.rest;

import io.pgha.spi.dcs.ClusterState;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * Carries out a manual switchover or failover that the REST API accepted ({@code POST /switchover},
 * {@code POST /failover}) and cancels a scheduled one ({@code DELETE /switchover}); implemented by the HA loop.
 *
 * <p>Before calling {@link #switchover} the API has already answered everything it can decide from a fresh DCS read
 * (400 for malformed or contradictory requests, 412 for "leader name does not match", "candidate does not exists",
 * "candidate name does not match with sync_standby", "can not find sync_standby" and "cluster does not have members
 * except leader"). What is left to the implementation is what needs the HA machinery: asking the candidates whether
 * one of them can take over (Patroni's "no good candidates have been found"), writing the {@code failover} key,
 * waking the HA loop, and waiting for the outcome.
 *
 * <p>Threading: called from a dedicated small pool, never from the threads serving health checks, so a blocking
 * call does not delay them; calls may still run concurrently with each other.
 */
public interface SwitchoverHandler {

    /**
     * Performs or schedules the request.
     *
     * <p>An immediate request should block until the new leader holds the lock, or the request was dropped, or a
     * bounded time passed (Patroni polls the DCS once a second for {@code 2 × max(10, loop_wait)} seconds).
     * A scheduled request ({@link Request#scheduledAt()} present) only writes the {@code failover} key.
     *
     * @return the outcome; exceptions are answered with 503 {@code <Action> status unknown}
     */
    Result switchover(Request request);

    /**
     * Removes a scheduled switchover ({@code DELETE /switchover}): clears the {@code failover} key with a
     * compare-and-set on the version read, only if the key holds a request with {@code scheduled_at}.
     */
    CancelResult cancelScheduled();

    /** Whether the request came in as a switchover or a failover (the wording of the answers depends on it). */
    enum Action {
        SWITCHOVER("switchover", "switched"), FAILOVER("failover", "failed");

        private final String word;
        private final String pastTense;

        Action(String word, String pastTense) {
            this.word = word;
            this.pastTense = pastTense;
        }

        /** {@code switchover} or {@code failover}. */
        public String word() {
            return word;
        }

        /** {@code Switchover} or {@code Failover}. */
        public String title() {
            return Character.toUpperCase(word.charAt(0)) + word.substring(1);
        }

        /** {@code switched} or {@code failed}, as in "Successfully switched over to ...". */
        public String pastTense() {
            return pastTense;
        }
    }

    /**
     * A validated request.
     *
     * @param action switchover, or failover (a failover naming a leader is turned into a switchover, as Patroni does)
     * @param leader the member that must give up the lock (always present for a switchover)
     * @param candidate the member that should take it, if named (always present for a failover)
     * @param scheduledAt when to act, for a scheduled switchover (never for a failover); in the future and with an
     *        offset
     * @param cluster the fresh DCS read the request was validated against
     */
    record Request(Action action, Optional<String> leader, Optional<String> candidate,
            Optional<OffsetDateTime> scheduledAt, ClusterState cluster) {
        public Request {
            Objects.requireNonNull(action, "action is null");
            Objects.requireNonNull(leader, "leader is null");
            Objects.requireNonNull(candidate, "candidate is null");
            Objects.requireNonNull(scheduledAt, "scheduledAt is null");
            Objects.requireNonNull(cluster, "cluster is null");
        }
    }

    /** The outcome of {@link #switchover}; each kind maps to one Patroni answer. */
    sealed interface Result {
        /** 200 {@code Successfully switched over to "<n>"} (or {@code Switched over to "<n>" instead of "<c>"}). */
        record Completed(String newLeader) implements Result {
            public Completed {
                Objects.requireNonNull(newLeader, "newLeader is null");
            }
        }

        /** 202 {@code Switchover scheduled}: the scheduled request was written. */
        record Scheduled() implements Result {
        }

        /** 412 with {@code message} verbatim, e.g. {@code switchover is not possible: no good candidates have been found}. */
        record NotPossible(String message) implements Result {
            public NotPossible {
                Objects.requireNonNull(message, "message is null");
            }
        }

        /** 503 {@code failed to write failover key into DCS}. */
        record NotRecorded() implements Result {
        }

        /** 503 {@code Switchover failed}: the HA loop dropped the request (the {@code failover} key is gone). */
        record Failed() implements Result {
        }

        /** 503 {@code Switchover status unknown}: no outcome within the wait. */
        record TimedOut() implements Result {
        }
    }

    /** The outcome of {@link #cancelScheduled}. */
    enum CancelResult {
        /** 200 {@code scheduled switchover deleted}. */
        CANCELLED,
        /** 404 {@code no switchover is scheduled}. */
        NOTHING_SCHEDULED,
        /** 409: the key changed between the read and the write. */
        CONFLICT
    }
}
