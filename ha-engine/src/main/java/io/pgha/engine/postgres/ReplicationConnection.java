package io.pgha.engine.postgres;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One row of a primary's {@code pg_stat_replication}: a standby (or pg_basebackup) streaming from it.
 *
 * @param pid the WAL sender's pid
 * @param username the role it connected as
 * @param applicationName its {@code application_name} (the member name for pgha and Patroni standbys)
 * @param clientAddress its address; empty for a Unix-socket connection
 * @param state {@code streaming}, {@code catchup}, {@code backup}, ...
 * @param syncState {@code async}, {@code sync}, {@code potential}, {@code quorum}
 * @param syncPriority its priority in {@code synchronous_standby_names}
 * @param sentLsn last WAL position sent
 * @param writeLsn last position the standby wrote
 * @param flushLsn last position the standby flushed
 * @param replayLsn last position the standby replayed
 */
public record ReplicationConnection(long pid, String username, String applicationName, Optional<String> clientAddress,
        String state, String syncState, int syncPriority, Optional<Lsn> sentLsn, Optional<Lsn> writeLsn,
        Optional<Lsn> flushLsn, Optional<Lsn> replayLsn) {

    public ReplicationConnection {
        Objects.requireNonNull(username, "username is null");
        Objects.requireNonNull(applicationName, "applicationName is null");
        Objects.requireNonNull(clientAddress, "clientAddress is null");
        Objects.requireNonNull(state, "state is null");
        Objects.requireNonNull(syncState, "syncState is null");
        Objects.requireNonNull(sentLsn, "sentLsn is null");
        Objects.requireNonNull(writeLsn, "writeLsn is null");
        Objects.requireNonNull(flushLsn, "flushLsn is null");
        Objects.requireNonNull(replayLsn, "replayLsn is null");
    }

    /** The entry as Patroni's {@code /patroni} {@code replication} list shows it. */
    public Map<String, Object> toPatroniMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("usename", username);
        m.put("application_name", applicationName);
        m.put("client_addr", clientAddress.orElse(null));
        m.put("state", state);
        m.put("sync_state", syncState);
        m.put("sync_priority", syncPriority);
        return m;
    }
}
