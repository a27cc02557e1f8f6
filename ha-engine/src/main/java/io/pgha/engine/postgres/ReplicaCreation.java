package io.pgha.engine.postgres;

import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import java.io.IOException;
import java.nio.file.Files;
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
 * Building a replica's data directory with the configured replica methods ({@code create_replica_methods}), in
 * order, until one succeeds.
 *
 * <ul>
 * <li>A method that needs a running member to copy from is skipped when there is none; a method no plugin provides
 * is skipped with its reason.
 * <li>The directory is emptied before a method unless the method keeps existing data ({@code keep_data}), and again
 * after a method failed unless it keeps existing data, so that the next method (or the next round) starts clean.
 * <li>The source is handed over as a libpq connection string of the replication user (password in the pgpass file
 * named by {@code PGPASSFILE}); what the method produced is given to the database user.
 * <li>While a round runs, a marker file outside the data directory says that its content is not to be trusted: an
 * agent that died in the middle of a copy finds the marker at its next start and treats the directory as empty
 * instead of starting PostgreSQL on half a copy ({@link #unfinished}).
 * </ul>
 */
public final class ReplicaCreation {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaCreation.class);

    private final PostgresInstance pg;
    private final Path unfinishedMarker;

    /** @param unfinishedMarker a file outside the data directory, in the agent's state directory */
    public ReplicaCreation(PostgresInstance pg, Path unfinishedMarker) {
        this.pg = Objects.requireNonNull(pg, "pg is null");
        this.unfinishedMarker = Objects.requireNonNull(unfinishedMarker, "unfinishedMarker is null");
    }

    /** One entry of the configured list: a method that can run, or why it cannot. */
    public sealed interface Candidate {
        String name();
    }

    /** A configured method and the name it is configured under. */
    public record Usable(String name, ReplicaMethod method) implements Candidate {
        public Usable {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(method, "method is null");
        }
    }

    /** A configured name nothing can run (no plugin provides it), with the reason for the operator. */
    public record Unavailable(String name, String reason) implements Candidate {
        public Unavailable {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(reason, "reason is null");
        }
    }

    /** One method's try. */
    public record Attempt(String method, ReplicaResult result) {
        public Attempt {
            Objects.requireNonNull(method, "method is null");
            Objects.requireNonNull(result, "result is null");
        }
    }

    /**
     * @param succeededWith the method that built the directory, empty when none did
     * @param attempts every method tried or skipped for a reason, in order (methods that need a source when there is
     *        none are not listed)
     */
    public record Outcome(Optional<String> succeededWith, List<Attempt> attempts) {
        public Outcome {
            Objects.requireNonNull(succeededWith, "succeededWith is null");
            attempts = List.copyOf(attempts);
        }

        public boolean succeeded() {
            return succeededWith.isPresent();
        }

        /** The failures, one per method, for the log. */
        public String describeFailures() {
            StringBuilder sb = new StringBuilder();
            for (Attempt a : attempts) {
                if (a.result() instanceof ReplicaResult.Failed f) {
                    sb.append(sb.length() == 0 ? "" : "; ").append(a.method()).append(": ").append(f.reason());
                }
            }
            return sb.length() == 0 ? "no replica method could run" : sb.toString();
        }
    }

    /** Whether a replica build started and did not finish: the data directory holds nothing to trust. */
    public boolean unfinished() {
        return Files.exists(unfinishedMarker);
    }

    /** Forgets an unfinished build (after the directory was emptied). */
    public void clearUnfinished() {
        try {
            Files.deleteIfExists(unfinishedMarker);
        } catch (IOException e) {
            throw new PostgresException(PostgresException.FILE_ERROR, "cannot remove " + unfinishedMarker + ": " + e, e);
        }
    }

    /** Whether any of {@code candidates} can build a replica with no member to copy from. */
    public static boolean anyRunsWithoutLeader(List<Candidate> candidates) {
        return candidates.stream().anyMatch(c -> c instanceof Usable u && u.method().runsWithoutLeader());
    }

    /**
     * Tries {@code candidates} in order.
     *
     * @param source the member to copy from (empty: only methods that run without a leader are tried)
     * @param role {@code replica}, or {@code standby_leader} in a standby cluster
     * @param timeout bound for each method
     */
    public Outcome create(List<Candidate> candidates, Optional<ReplicationSource> source, String role, Duration timeout) {
        PostgresSettings s = pg.settings();
        if (pg.adoptRunning().isPresent()) {
            throw new PostgresException(PostgresException.RUNNING, "cannot create a replica: PostgreSQL is running");
        }
        pg.writePgPass();
        markUnfinished();
        Optional<String> dsn = source.map(src -> ConnInfo.format(
                ConnInfo.options(src.host(), src.port(), s.replication(), s.database())));
        List<Attempt> attempts = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c instanceof Unavailable u) {
                LOG.warn("replica method {} skipped: {}", u.name(), u.reason());
                attempts.add(new Attempt(u.name(), ReplicaResult.failed("skipped: " + u.reason(), false)));
                continue;
            }
            Usable m = (Usable) c;
            if (source.isEmpty() && !m.method().runsWithoutLeader()) {
                LOG.info("replica method {} needs a running member to copy from; skipped", m.name());
                continue;
            }
            boolean keepsData = m.method().keepsExistingData();
            if (!keepsData) {
                pg.dataDirectory().wipe();
            }
            pg.dataDirectory().prepare();
            LOG.info("creating a replica with {}{}{}", m.name(), source.map(x -> " from " + x.host() + ":" + x.port())
                    .orElse(" without a leader"), keepsData ? " (on the data already there)" : "");
            ReplicaRequest request = new ReplicaRequest(s.dataDirectory(), s.binaries().directory(), dsn,
                    s.clusterName(), s.memberName(), role, Map.of("PGPASSFILE", s.pgpassFile().toString()), timeout);
            long started = System.nanoTime();
            ReplicaResult result;
            try {
                result = m.method().createReplica(request);
            } catch (RuntimeException e) {
                result = ReplicaResult.failed(m.name() + " threw " + e, true);
            }
            if (result.succeeded() && !pg.dataDirectory().isInitialized()) {
                result = ReplicaResult.failed(m.name() + " reported success but left no database cluster in "
                        + pg.dataDirectory(), true);
            }
            attempts.add(new Attempt(m.name(), result));
            long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
            if (result.succeeded()) {
                pg.dataDirectory().fixOwnership();
                clearUnfinished();
                LOG.info("replica method {} built the data directory in {} s", m.name(), seconds);
                return new Outcome(Optional.of(m.name()), attempts);
            }
            LOG.warn("replica method {} failed after {} s: {}", m.name(), seconds,
                    ((ReplicaResult.Failed) result).reason());
            if (!keepsData) {
                pg.dataDirectory().wipe();
            }
        }
        return new Outcome(Optional.empty(), attempts);
    }

    private void markUnfinished() {
        try {
            Files.createDirectories(unfinishedMarker.getParent());
            Files.writeString(unfinishedMarker, "a replica build of " + pg.dataDirectory() + " started and has not"
                    + " finished; its content is not to be trusted\n");
        } catch (IOException e) {
            throw new PostgresException(PostgresException.FILE_ERROR, "cannot write " + unfinishedMarker + ": " + e, e);
        }
    }
}
