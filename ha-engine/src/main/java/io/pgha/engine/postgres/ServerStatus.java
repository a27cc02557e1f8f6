package io.pgha.engine.postgres;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One reading of a running server, from a single query.
 *
 * @param inRecovery whether it is a standby ({@code pg_is_in_recovery()})
 * @param flushLsn primary: {@code pg_current_wal_flush_lsn()}
 * @param receiveLsn standby: {@code pg_last_wal_receive_lsn()} (empty when nothing was streamed)
 * @param replayLsn standby: {@code pg_last_wal_replay_lsn()}
 * @param replayTimestamp standby: {@code pg_last_xact_replay_timestamp()}
 * @param replayPaused standby: {@code pg_is_wal_replay_paused()}
 * @param timeline primary: the timeline of its current WAL; standby: the WAL receiver's timeline, else the latest
 *        restartpoint's ({@link PostgresInstance#observe()} corrects the latter to the replayed timeline)
 * @param postmasterStartTime {@code pg_postmaster_start_time()}
 * @param serverVersion {@code server_version_num} (150004)
 * @param walReceiver standby: the WAL receiver, when one runs
 * @param systemIdentifier the cluster's system identifier ({@code pg_control_system()}), as a decimal string
 * @param confLoadTime {@code pg_conf_load_time()}: when the server last read its configuration files
 */
public record ServerStatus(boolean inRecovery, Optional<Lsn> flushLsn, Optional<Lsn> receiveLsn,
        Optional<Lsn> replayLsn, Optional<Instant> replayTimestamp, boolean replayPaused, long timeline,
        Instant postmasterStartTime, int serverVersion, Optional<WalReceiverStatus> walReceiver,
        String systemIdentifier, Instant confLoadTime) {

    public ServerStatus {
        Objects.requireNonNull(flushLsn, "flushLsn is null");
        Objects.requireNonNull(receiveLsn, "receiveLsn is null");
        Objects.requireNonNull(replayLsn, "replayLsn is null");
        Objects.requireNonNull(replayTimestamp, "replayTimestamp is null");
        Objects.requireNonNull(postmasterStartTime, "postmasterStartTime is null");
        Objects.requireNonNull(walReceiver, "walReceiver is null");
        Objects.requireNonNull(systemIdentifier, "systemIdentifier is null");
        Objects.requireNonNull(confLoadTime, "confLoadTime is null");
    }

    /** The same reading with another timeline (a standby's replayed one, found by other means). */
    public ServerStatus withTimeline(long replayedTimeline) {
        return new ServerStatus(inRecovery, flushLsn, receiveLsn, replayLsn, replayTimestamp, replayPaused,
                replayedTimeline, postmasterStartTime, serverVersion, walReceiver, systemIdentifier, confLoadTime);
    }

    /** Patroni's {@code xlog_location}: primary flush position; standby the greater of received and replayed. */
    public Lsn walPosition() {
        if (!inRecovery) {
            return flushLsn.orElse(Lsn.ZERO);
        }
        return Lsn.max(receiveLsn.orElse(Lsn.ZERO), replayLsn.orElse(Lsn.ZERO));
    }

    /** Whether a standby's WAL receiver is streaming (Patroni's {@code replication_state: streaming}). */
    public boolean streaming() {
        return walReceiver.map(WalReceiverStatus::streaming).orElse(false);
    }

    /**
     * Status of a standby's WAL receiver ({@code pg_stat_wal_receiver}).
     *
     * @param status {@code streaming}, {@code starting}, {@code waiting}, {@code stopping}, ...
     * @param receivedTimeline the timeline of the WAL it last received
     * @param flushedLsn the last WAL position it flushed
     * @param latestEndLsn the upstream's last reported position
     * @param senderHost the upstream's host
     * @param senderPort the upstream's port
     * @param slotName the slot it streams through
     */
    public record WalReceiverStatus(String status, long receivedTimeline, Optional<Lsn> flushedLsn,
            Optional<Lsn> latestEndLsn, Optional<String> senderHost, int senderPort, Optional<String> slotName) {
        public WalReceiverStatus {
            Objects.requireNonNull(status, "status is null");
            Objects.requireNonNull(flushedLsn, "flushedLsn is null");
            Objects.requireNonNull(latestEndLsn, "latestEndLsn is null");
            Objects.requireNonNull(senderHost, "senderHost is null");
            Objects.requireNonNull(slotName, "slotName is null");
        }

        public boolean streaming() {
            return "streaming".equals(status);
        }
    }
}
