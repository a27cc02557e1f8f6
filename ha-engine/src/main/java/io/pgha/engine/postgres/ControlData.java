package io.pgha.engine.postgres;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code pg_controldata} reports about a data directory, the fields pgha decides with plus every raw line.
 *
 * @param systemIdentifier "Database system identifier", as a decimal string (it is an unsigned 64-bit number)
 * @param state "Database cluster state"
 * @param checkpointLsn "Latest checkpoint location": where the latest checkpoint record starts
 * @param checkpointRedoLsn "Latest checkpoint's REDO location"
 * @param checkpointTimeline "Latest checkpoint's TimeLineID"
 * @param minRecoveryEndLsn "Minimum recovery ending location" ({@link Lsn#ZERO} when none)
 * @param minRecoveryEndTimeline "Min recovery ending loc's timeline" (0 when none)
 * @param walLogHints "wal_log_hints setting" is {@code on}
 * @param dataChecksums "Data page checksum version" is not 0
 * @param walLevel "wal_level setting" ({@code replica}, {@code logical}, ...)
 * @param raw every {@code key: value} line, in order
 */
public record ControlData(String systemIdentifier, DbClusterState state, Lsn checkpointLsn, Lsn checkpointRedoLsn,
        long checkpointTimeline, Lsn minRecoveryEndLsn, long minRecoveryEndTimeline, boolean walLogHints,
        boolean dataChecksums, String walLevel, Map<String, String> raw) {

    public ControlData {
        Objects.requireNonNull(systemIdentifier, "systemIdentifier is null");
        Objects.requireNonNull(state, "state is null");
        Objects.requireNonNull(checkpointLsn, "checkpointLsn is null");
        Objects.requireNonNull(checkpointRedoLsn, "checkpointRedoLsn is null");
        Objects.requireNonNull(minRecoveryEndLsn, "minRecoveryEndLsn is null");
        Objects.requireNonNull(walLevel, "walLevel is null");
        raw = Collections.unmodifiableMap(new LinkedHashMap<>(raw));
    }

    /**
     * Parses pg_controldata's output. It must have been produced with {@code LC_ALL=C}: the labels are translated
     * otherwise.
     *
     * @throws PostgresException {@code PG_CONTROLDATA_UNREADABLE} when the output lacks the identifier, the state or
     *         the checkpoint fields
     */
    public static ControlData parse(String output) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                raw.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        try {
            String sysid = required(raw, "Database system identifier");
            if (!sysid.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("system identifier '" + sysid + "' is not a number");
            }
            return new ControlData(sysid,
                    DbClusterState.fromText(required(raw, "Database cluster state")),
                    Lsn.parse(required(raw, "Latest checkpoint location")),
                    Lsn.parse(required(raw, "Latest checkpoint's REDO location")),
                    Long.parseLong(required(raw, "Latest checkpoint's TimeLineID")),
                    Lsn.parse(raw.getOrDefault("Minimum recovery ending location", "0/0")),
                    Long.parseLong(raw.getOrDefault("Min recovery ending loc's timeline", "0")),
                    "on".equals(raw.get("wal_log_hints setting")),
                    !"0".equals(raw.getOrDefault("Data page checksum version", "0")),
                    raw.getOrDefault("wal_level setting", ""),
                    raw);
        } catch (IllegalArgumentException e) {
            throw new PostgresException(PostgresException.CONTROLDATA_UNREADABLE,
                    "cannot understand pg_controldata's output (" + e.getMessage() + ")", e);
        }
    }

    private static String required(Map<String, String> raw, String key) {
        String v = raw.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("no '" + key + "' line");
        }
        return v;
    }

    /** Whether pg_rewind can work on this directory: it needs hint bits WAL-logged, by wal_log_hints or checksums. */
    public boolean rewindable() {
        return walLogHints || dataChecksums;
    }

    /**
     * The timeline the directory's WAL ends on, as far as pg_control knows: for a directory that was a standby, the
     * minimum recovery point's timeline when it has one; otherwise the latest checkpoint's.
     */
    public long timeline() {
        if (state.wasInRecovery() && minRecoveryEndTimeline > 0) {
            return minRecoveryEndTimeline;
        }
        return checkpointTimeline;
    }

    /** A raw field by its pg_controldata label. */
    public Optional<String> field(String label) {
        return Optional.ofNullable(raw.get(label));
    }
}
