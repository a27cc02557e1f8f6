package io.pgha.engine.ha;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who this member is, from the local configuration: fixed for the life of the agent.
 *
 * @param name member name
 * @param scope cluster name
 * @param connUrl {@code postgres://<postgresql.connect_address>/postgres}
 * @param apiUrl {@code http[s]://<restapi.connect_address>/patroni}
 * @param tags effective tags, as published in the member record
 */
public record MemberIdentity(String name, String scope, String connUrl, String apiUrl, Map<String, Object> tags) {

    public MemberIdentity {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(scope, "scope is null");
        Objects.requireNonNull(connUrl, "connUrl is null");
        Objects.requireNonNull(apiUrl, "apiUrl is null");
        tags = Map.copyOf(tags);
    }

    /** {@code nofailover}: never race for the lock (a {@code failover_priority} of 0 means the same). */
    public boolean noFailover() {
        return truthy(tags.get("nofailover")) || (tags.get("failover_priority") instanceof Number n && n.intValue() <= 0
                && !tags.containsKey("nofailover"));
    }

    /** {@code failover_priority}: higher wins among equally advanced candidates; default 1. */
    public int failoverPriority() {
        return tags.get("failover_priority") instanceof Number n ? n.intValue() : 1;
    }

    /** {@code replicatefrom}: stream from this member instead of the leader (cascading). */
    public Optional<String> replicateFrom() {
        return text("replicatefrom");
    }

    /** {@code clonefrom}: this member may be used as a source for new replicas. */
    public boolean cloneFrom() {
        return truthy(tags.get("clonefrom"));
    }

    private Optional<String> text(String tag) {
        Object v = tags.get(tag);
        return v == null || String.valueOf(v).isBlank() ? Optional.empty() : Optional.of(String.valueOf(v));
    }

    static boolean truthy(Object v) {
        return v instanceof Boolean b ? b : v != null && io.pgha.spi.ConfigSection.parseBoolean(v).orElse(false);
    }
}
