package io.pgha.spi.dcs;

import io.pgha.spi.json.Json;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A member's record, the JSON object Patroni stores under {@code members/<name>}: {@code conn_url}, {@code api_url},
 * {@code state}, {@code role}, {@code version}, {@code xlog_location}, {@code timeline}, {@code tags}, ...
 *
 * <p>The record keeps every field it was given, known or not, in order, so that what one agent writes another
 * reads back exactly (a pgha agent must not drop fields a newer Patroni added). The accessors below read the
 * fields pgha uses, tolerating the loose types older writers used (numbers as strings).
 *
 * @param fields the JSON object, unmodifiable and insertion-ordered
 * @since 1.0
 */
public record MemberData(Map<String, Object> fields) {

    public MemberData {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(fields, "fields is null")));
    }

    /** Starts an empty record. */
    public static Builder builder() {
        return new Builder();
    }

    /** This record as compact JSON, for the store. */
    public String toJson() {
        return Json.write(fields);
    }

    public Optional<String> connUrl() {
        return text("conn_url");
    }

    public Optional<String> apiUrl() {
        return text("api_url");
    }

    /** {@code running}, {@code starting}, {@code stopped}, ... */
    public Optional<String> state() {
        return text("state");
    }

    /** {@code primary} (or {@code master} from Patroni 3.x and older), {@code replica}, {@code standby_leader}, ... */
    public Optional<String> role() {
        return text("role");
    }

    /** The writer's Patroni-compatible version string. */
    public Optional<String> version() {
        return text("version");
    }

    /** The primary's flush LSN, or a replica's max(received, replayed) LSN, as an absolute byte offset. */
    public Optional<Long> xlogLocation() {
        return number("xlog_location");
    }

    public Optional<Long> timeline() {
        return number("timeline");
    }

    /** {@code streaming} or {@code in archive recovery}, for replicas. */
    public Optional<String> replicationState() {
        return text("replication_state");
    }

    /** The effective tags ({@code nofailover}, {@code noloadbalance}, {@code replicatefrom}, ...); empty if none. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> tags() {
        Object t = fields.get("tags");
        return t instanceof Map ? Collections.unmodifiableMap((Map<String, Object>) t) : Map.of();
    }

    /** A string field; numbers are given as their decimal text. */
    public Optional<String> text(String field) {
        Object v = fields.get(field);
        if (v instanceof String s) {
            return Optional.of(s);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return Optional.of(String.valueOf(v));
        }
        return Optional.empty();
    }

    /** A whole-number field; decimal strings are accepted. */
    public Optional<Long> number(String field) {
        Object v = fields.get(field);
        if (v instanceof Number n) {
            return Optional.of(n.longValue());
        }
        if (v instanceof String s) {
            try {
                return Optional.of(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** A boolean field; absent or not a boolean reads as {@code false}. */
    public boolean flag(String field) {
        Object v = fields.get(field);
        return v instanceof Boolean b ? b : false;
    }

    /** Builds a {@link MemberData}, keeping the order fields are set in. */
    public static final class Builder {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        private Builder() {
        }

        /** Sets {@code field}; a {@code null} value removes it. */
        public Builder put(String field, Object value) {
            if (value == null) {
                fields.remove(field);
            } else {
                fields.put(field, value);
            }
            return this;
        }

        public MemberData build() {
            return new MemberData(fields);
        }
    }
}
