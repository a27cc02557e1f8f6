package io.pgha.engine.rest;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of this member for one REST answer. PostgreSQL's state, role and WAL position are taken from a
 * status query bounded by its timeout when the request is served (other members' leader race goes by them, so they
 * must not be a cycle old); the rest comes from the HA loop's last cycle and the last DCS read, so that health checks
 * never wait on the DCS.
 *
 * @param state Patroni's state string: {@code running}, {@code starting}, {@code stopped}, {@code crashed},
 *        {@code creating replica}, ... or {@code unknown} when PostgreSQL runs but could not be queried
 * @param role the role to show: {@code primary}, {@code replica}, {@code standby_leader}, {@code demoted},
 *        {@code uninitialized}, ...
 * @param lockHeldUntil while this member holds the leader lock: the instant until which it may consider itself
 *        leader (last successful lock update + ttl); empty otherwise. The API compares it with its clock on each
 *        request, so a stalled HA loop stops answering 200 on {@code /leader} once the lock may have expired.
 * @param postgres the status query's result; empty when PostgreSQL is not running or could not be queried
 * @param tags the effective tags (configured tags plus those the HA loop adds, such as {@code nosync})
 * @param systemIdentifier {@code Database system identifier} from pg_control, if the data directory has one
 * @param pendingRestart parameters whose change waits for a restart: name to old and new value
 * @param scheduledRestart a scheduled restart as Patroni shows it ({@code schedule} as ISO 8601 text,
 *        {@code role}, {@code postgres_version}, {@code restart_pending}, {@code timeout}), if any
 * @param watchdogFailed whether the watchdog is required but unhealthy
 * @param failsafeActive whether failsafe mode is currently keeping this member primary without the DCS
 * @param settings the effective global settings the answers depend on
 * @param nextRun when the next HA cycle is due; {@code /liveness} fails once it is overdue by ttl (primary) or
 *        2×ttl (others)
 */
public record MemberStatus(String state, String role, Optional<Instant> lockHeldUntil,
        Optional<PostgresStatus> postgres, Map<String, Object> tags, Optional<String> systemIdentifier,
        Map<String, ParameterChange> pendingRestart, Optional<Map<String, Object>> scheduledRestart,
        boolean watchdogFailed, boolean failsafeActive, HaSettings settings, Instant nextRun) {

    public MemberStatus {
        Objects.requireNonNull(state, "state is null");
        Objects.requireNonNull(role, "role is null");
        Objects.requireNonNull(lockHeldUntil, "lockHeldUntil is null");
        Objects.requireNonNull(postgres, "postgres is null");
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tags, "tags is null")));
        Objects.requireNonNull(systemIdentifier, "systemIdentifier is null");
        pendingRestart = Collections.unmodifiableMap(new LinkedHashMap<>(
                Objects.requireNonNull(pendingRestart, "pendingRestart is null")));
        scheduledRestart = Objects.requireNonNull(scheduledRestart, "scheduledRestart is null")
                .map(m -> Collections.unmodifiableMap(new LinkedHashMap<>(m)));
        Objects.requireNonNull(settings, "settings is null");
        Objects.requireNonNull(nextRun, "nextRun is null");
    }

    /** Starts a snapshot with {@code state} and {@code role}; everything else empty/false/defaults. */
    public static Builder builder(String state, String role) {
        return new Builder(state, role);
    }

    /** A builder pre-filled with this snapshot's values. */
    public Builder toBuilder() {
        Builder b = new Builder(state, role);
        b.lockHeldUntil = lockHeldUntil;
        b.postgres = postgres;
        b.tags = tags;
        b.systemIdentifier = systemIdentifier;
        b.pendingRestart = pendingRestart;
        b.scheduledRestart = scheduledRestart;
        b.watchdogFailed = watchdogFailed;
        b.failsafeActive = failsafeActive;
        b.settings = settings;
        b.nextRun = nextRun;
        return b;
    }

    /** Whether this member considers itself the lock holder at {@code now} (Patroni's {@code ha.is_leader()}). */
    public boolean holdsLock(Instant now) {
        return lockHeldUntil.map(now::isBefore).orElse(false);
    }

    /** A restart-pending parameter change, shown as {@code {"old_value": .., "new_value": ..}}. */
    public record ParameterChange(String oldValue, String newValue) {
        public ParameterChange {
            Objects.requireNonNull(oldValue, "oldValue is null");
            Objects.requireNonNull(newValue, "newValue is null");
        }
    }

    /** Builds a {@link MemberStatus}; not thread-safe. */
    public static final class Builder {
        private String state;
        private String role;
        private Optional<Instant> lockHeldUntil = Optional.empty();
        private Optional<PostgresStatus> postgres = Optional.empty();
        private Map<String, Object> tags = Map.of();
        private Optional<String> systemIdentifier = Optional.empty();
        private Map<String, ParameterChange> pendingRestart = Map.of();
        private Optional<Map<String, Object>> scheduledRestart = Optional.empty();
        private boolean watchdogFailed;
        private boolean failsafeActive;
        private HaSettings settings = HaSettings.DEFAULTS;
        private Instant nextRun = Instant.now();

        private Builder(String state, String role) {
            this.state = state;
            this.role = role;
        }

        public Builder state(String s) {
            this.state = s;
            return this;
        }

        public Builder role(String r) {
            this.role = r;
            return this;
        }

        /** Holds the leader lock until {@code until}; {@code null} for not holding it. */
        public Builder lockHeldUntil(Instant until) {
            this.lockHeldUntil = Optional.ofNullable(until);
            return this;
        }

        /** {@code null} when PostgreSQL could not be queried. */
        public Builder postgres(PostgresStatus p) {
            this.postgres = Optional.ofNullable(p);
            return this;
        }

        public Builder tags(Map<String, Object> t) {
            this.tags = t;
            return this;
        }

        public Builder systemIdentifier(String id) {
            this.systemIdentifier = Optional.ofNullable(id);
            return this;
        }

        public Builder pendingRestart(Map<String, ParameterChange> p) {
            this.pendingRestart = p;
            return this;
        }

        public Builder scheduledRestart(Map<String, Object> s) {
            this.scheduledRestart = Optional.ofNullable(s);
            return this;
        }

        public Builder watchdogFailed(boolean w) {
            this.watchdogFailed = w;
            return this;
        }

        public Builder failsafeActive(boolean f) {
            this.failsafeActive = f;
            return this;
        }

        public Builder settings(HaSettings s) {
            this.settings = s;
            return this;
        }

        public Builder nextRun(Instant n) {
            this.nextRun = n;
            return this;
        }

        public MemberStatus build() {
            return new MemberStatus(state, role, lockHeldUntil, postgres, tags, systemIdentifier, pendingRestart,
                    scheduledRestart, watchdogFailed, failsafeActive, settings, nextRun);
        }
    }
}
