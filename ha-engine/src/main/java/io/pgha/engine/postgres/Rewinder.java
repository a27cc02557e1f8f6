package io.pgha.engine.postgres;

import io.pgha.engine.postgres.PostgresBinaries.Program;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a stopped data directory able to follow a new primary: decides whether it diverged
 * ({@link RewindDecision}) and, if so, runs pg_rewind from that primary, as Patroni does after a failover.
 *
 * <p>Preconditions pg_rewind has, and how they are met: the local directory must be shut down cleanly (single-user
 * crash recovery when not); it must log hint bits ({@code wal_log_hints} or data checksums, else it cannot be
 * rewound); the source must not be in recovery and its pg_control must already show its new timeline (a CHECKPOINT
 * is requested on it when not). pg_rewind copies the source's configuration files over the local ones, so they are
 * saved before and put back after.
 */
public final class Rewinder {
    private static final Logger LOG = LoggerFactory.getLogger(Rewinder.class);

    private final PostgresInstance pg;

    public Rewinder(PostgresInstance pg) {
        this.pg = Objects.requireNonNull(pg, "pg is null");
    }

    /** How {@link #rejoin} ended. */
    public enum Outcome {
        /** The directory is on the source's history: start it as a standby. */
        NOT_NEEDED,
        /** pg_rewind brought it back onto the source's history: start it as a standby. */
        REWOUND,
        /** It diverged and rewinding is not allowed ({@code use_pg_rewind} off): it must be copied again. */
        NOT_ALLOWED,
        /** It diverged and cannot be rewound (no wal_log_hints or checksums, no pg_rewind): copy it again. */
        NOT_POSSIBLE,
        /** pg_rewind ran and failed: copy it again ({@code remove_data_directory_on_rewind_failure}) or leave it. */
        FAILED,
        /** The source cannot serve yet (unreachable, in recovery, not checkpointed): try again later. */
        SOURCE_NOT_READY
    }

    /**
     * @param outcome what happened
     * @param detail one line for the log (with pg_rewind's output tail when it failed)
     */
    public record Result(Outcome outcome, String detail) {
        public Result {
            Objects.requireNonNull(outcome, "outcome is null");
            Objects.requireNonNull(detail, "detail is null");
        }

        /** Whether the directory can now be started as a standby of the source. */
        public boolean canFollow() {
            return outcome == Outcome.NOT_NEEDED || outcome == Outcome.REWOUND;
        }
    }

    /**
     * Decides whether the stopped local directory diverged from the server at {@code host:port} (connecting with the
     * rewind credentials). Runs crash recovery first when the directory's primary did not shut down cleanly, so that
     * its position is the real end of its WAL.
     *
     * @param replayed the last replay position seen while the local server ran as a standby, if any
     * @throws PostgresException when the source cannot be asked or the local directory cannot be read
     */
    public RewindDecision check(String host, int port, Optional<Lsn> replayed, Duration timeout) {
        ControlData local = cleanLocalState(timeout, false);
        try (PostgresSql source = pg.connect(host, port, pg.settings().rewindCredentials())) {
            return RewindDecision.decide(local, replayed, source.sourceTimeline());
        }
    }

    /**
     * Everything needed before the stopped directory can follow {@code host:port}: decide, and rewind when it
     * diverged and {@code rewindAllowed}.
     *
     * @param replayed the last replay position seen while the local server ran as a standby, if any
     * @param timeout bound of each step (crash recovery, pg_rewind)
     */
    public Result rejoin(String host, int port, Optional<Lsn> replayed, boolean rewindAllowed, Duration timeout) {
        if (pg.adoptRunning().isPresent()) {
            throw new PostgresException(PostgresException.RUNNING, "cannot check for divergence: PostgreSQL is running");
        }
        ControlData local = cleanLocalState(timeout, false);
        SourceTimeline sourceTimeline;
        try (PostgresSql source = pg.connect(host, port, pg.settings().rewindCredentials())) {
            sourceTimeline = source.sourceTimeline();
        } catch (PostgresException e) {
            return new Result(Outcome.SOURCE_NOT_READY, "cannot read the timeline of " + host + ":" + port + ": "
                    + e.getMessage());
        }
        if (sourceTimeline.inRecovery()) {
            return new Result(Outcome.SOURCE_NOT_READY, host + ":" + port + " is still in recovery");
        }
        RewindDecision decision = RewindDecision.decide(local, replayed, sourceTimeline);
        if (!decision.needed()) {
            return new Result(Outcome.NOT_NEEDED, decision.reason());
        }
        LOG.info("the data directory diverged from {}:{}: {}", host, port, decision.reason());
        if (!rewindAllowed) {
            return new Result(Outcome.NOT_ALLOWED, decision.reason() + "; pg_rewind is not enabled");
        }
        if (!local.rewindable()) {
            return new Result(Outcome.NOT_POSSIBLE, decision.reason()
                    + "; pg_rewind needs wal_log_hints = on or data checksums, and this cluster has neither");
        }
        try {
            pg.settings().binaries().require(Program.PG_REWIND);
        } catch (PostgresException e) {
            return new Result(Outcome.NOT_POSSIBLE, e.getMessage());
        }
        if (!sourceTimeline.checkpointedSincePromotion()) {
            Optional<String> problem = checkpointSource(host, port);
            if (problem.isPresent()) {
                return new Result(Outcome.SOURCE_NOT_READY, problem.get());
            }
        }
        cleanLocalState(timeout, true);
        return rewind(host, port, timeout);
    }

    /**
     * Runs pg_rewind from {@code host:port} now, keeping the local configuration files. The directory must be shut
     * down cleanly.
     */
    public Result rewind(String host, int port, Duration timeout) {
        PostgresSettings s = pg.settings();
        Path program = s.binaries().require(Program.PG_REWIND);
        Credentials credentials = s.rewindCredentials();
        String dsn = ConnInfo.format(ConnInfo.options(host, port, credentials, s.database()));
        List<String> argv = new ArrayList<>(List.of(program.toString(), "--target-pgdata=" + s.dataDirectory(),
                "--source-server=" + dsn));
        ConfigFiles.Snapshot saved = pg.configFiles().snapshot();
        pg.writePgPass();
        LOG.info("running pg_rewind from {}:{}", host, port);
        CommandResult r;
        try {
            r = pg.runner().run(new Command(argv, Map.of("PGPASSFILE", s.pgpassFile().toString(), "LC_ALL", "C"),
                    Optional.empty(), timeout, true));
        } finally {
            pg.configFiles().restore(saved);
        }
        if (!r.succeeded()) {
            return new Result(Outcome.FAILED, "pg_rewind " + (r.timedOut() ? "timed out" : "failed (exit "
                    + r.exitCode() + ")") + ": " + r.output().trim());
        }
        return new Result(Outcome.REWOUND, "rewound from " + host + ":" + port);
    }

    /**
     * pg_control of the stopped directory; crash recovery first when its primary did not shut down cleanly, or, when
     * {@code forRewind}, whenever it is not cleanly shut down (pg_rewind refuses otherwise).
     */
    private ControlData cleanLocalState(Duration timeout, boolean forRewind) {
        ControlData local = pg.controlData();
        boolean recover = forRewind ? !local.state().isCleanShutdown() : local.state().needsCrashRecovery();
        if (recover && !pg.dataDirectory().hasBackupLabel()) {
            local = pg.crashRecovery(timeout);
        }
        return local;
    }

    /** Asks the source for a CHECKPOINT (as the superuser); empty when its pg_control now shows its timeline. */
    private Optional<String> checkpointSource(String host, int port) {
        try (PostgresSql su = pg.connect(host, port, pg.settings().superuser())) {
            su.checkpoint(Duration.ofSeconds(60));
            if (su.sourceTimeline().checkpointedSincePromotion()) {
                return Optional.empty();
            }
            return Optional.of(host + ":" + port + " has not checkpointed since its promotion yet");
        } catch (PostgresException e) {
            return Optional.of("cannot checkpoint " + host + ":" + port + " after its promotion: " + e.getMessage());
        }
    }
}
