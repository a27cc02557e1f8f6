package io.pgha.engine.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timeline a standby has replayed up to, when its WAL receiver cannot say.
 *
 * <p>SQL offers a standby's timeline only through the WAL receiver ({@code pg_stat_wal_receiver.received_tli}) and the
 * latest restartpoint ({@code pg_control_checkpoint()}). The restartpoint's lags by up to {@code checkpoint_timeout}:
 * a standby that followed a promoted member onto its new timeline still reports the old one until its next
 * restartpoint. Judged by that timeline, a standby that replayed past the fork point looks diverged when it is not.
 * {@code IDENTIFY_SYSTEM} on a replication connection to the standby itself answers with the timeline of the WAL it
 * replayed last, so that is asked instead, as the replication user.
 *
 * <p>The answer is kept while the replayed position and the postmaster stay the same: the replay timeline changes only
 * by replaying a record of the new timeline, which moves the position. A failure (pg_hba.conf refusing the replication
 * user locally, every WAL sender busy) falls back to the restartpoint's timeline and is logged once per distinct
 * cause. Thread-safe.
 */
final class ReplayTimeline {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayTimeline.class);

    private final SqlConnector replicationConnector;
    private volatile Known known = Known.NONE;
    private volatile String lastFailure = "";

    /** The replayed position and postmaster an answer holds for. */
    private record Known(Instant postmasterStart, Optional<Lsn> replayLsn, Optional<Long> timeline) {
        static final Known NONE = new Known(Instant.EPOCH, Optional.empty(), Optional.empty());

        boolean holdsFor(ServerStatus s) {
            return postmasterStart.equals(s.postmasterStartTime()) && replayLsn.equals(s.replayLsn());
        }
    }

    ReplayTimeline(SqlConnector replicationConnector) {
        this.replicationConnector = Objects.requireNonNull(replicationConnector, "replicationConnector is null");
    }

    /**
     * {@code status} with its timeline made the replayed one, when it is a standby whose WAL receiver does not stream;
     * otherwise {@code status} itself.
     */
    ServerStatus correct(ServerStatus status) {
        if (!status.inRecovery() || status.streaming()) {
            return status;
        }
        Known k = known;
        if (!k.holdsFor(status)) {
            k = new Known(status.postmasterStartTime(), status.replayLsn(), ask());
            known = k;
        }
        return k.timeline().filter(t -> t > 0).map(status::withTimeline).orElse(status);
    }

    private Optional<Long> ask() {
        try (Connection c = replicationConnector.openReplication(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            if (!rs.next()) {
                return failed("IDENTIFY_SYSTEM returned no row");
            }
            lastFailure = "";
            return Optional.of(rs.getLong("timeline"));
        } catch (SQLException | RuntimeException e) {
            return failed(e.getMessage());
        }
    }

    private Optional<Long> failed(String why) {
        if (!why.equals(lastFailure)) {
            lastFailure = why;
            LOG.warn("cannot read this standby's replay timeline over a replication connection as {} ({}); using its "
                    + "latest restartpoint's, which lags after a timeline switch and can make the standby look "
                    + "diverged: the replication user must be able to connect for replication to this server itself "
                    + "(pg_hba.conf, max_wal_senders)", replicationConnector, why);
        }
        return Optional.empty();
    }
}
