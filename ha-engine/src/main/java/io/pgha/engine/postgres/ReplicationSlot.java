package io.pgha.engine.postgres;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One row of {@code pg_replication_slots}.
 *
 * @param name the slot name
 * @param physical whether it is a physical slot (else logical)
 * @param active whether a connection uses it now
 * @param restartLsn the oldest WAL it keeps
 * @param database the database of a logical slot
 * @param plugin the output plugin of a logical slot
 */
public record ReplicationSlot(String name, boolean physical, boolean active, Optional<Lsn> restartLsn,
        Optional<String> database, Optional<String> plugin) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9_]{1,63}");

    public ReplicationSlot {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(restartLsn, "restartLsn is null");
        Objects.requireNonNull(database, "database is null");
        Objects.requireNonNull(plugin, "plugin is null");
    }

    /** Whether PostgreSQL accepts {@code name} as a slot name (Patroni's rule for permanent slots too). */
    public static boolean isValidName(String name) {
        return VALID.matcher(name).matches();
    }
}
