package io.pgha.engine.postgres;

import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
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
 * order, until one succeeds: the directory is emptied first unless the method keeps existing data, the source is
 * handed over as a libpq connection string of the replication user (password in the pgpass file named by
 * {@code PGPASSFILE}), and what the method produced is given to the database user.
 */
public final class ReplicaCreation {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaCreation.class);

    private final PostgresInstance pg;

    public ReplicaCreation(PostgresInstance pg) {
        this.pg = Objects.requireNonNull(pg, "pg is null");
    }

    /** A configured method and the name it is configured under. */
    public record NamedMethod(String name, ReplicaMethod method) {
        public NamedMethod {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(method, "method is null");
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
     * @param attempts every method tried, in order (methods that need a source when there is none are not tried)
     */
    public record Outcome(Optional<String> succeededWith, List<Attempt> attempts) {
        public Outcome {
            Objects.requireNonNull(succeededWith, "succeededWith is null");
            attempts = List.copyOf(attempts);
        }

        public boolean succeeded() {
            return succeededWith.isPresent();
        }

        /** The failures, one per line, for the log. */
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

    /**
     * Tries {@code methods} in order.
     *
     * @param source the member to copy from (empty: only methods that run without a leader are tried)
     * @param role {@code replica}, or {@code standby_leader} in a standby cluster
     * @param timeout bound for each method
     */
    public Outcome create(List<NamedMethod> methods, Optional<ReplicationSource> source, String role, Duration timeout) {
        PostgresSettings s = pg.settings();
        if (pg.adoptRunning().isPresent()) {
            throw new PostgresException(PostgresException.RUNNING, "cannot create a replica: PostgreSQL is running");
        }
        pg.writePgPass();
        Optional<String> dsn = source.map(src -> ConnInfo.format(
                ConnInfo.options(src.host(), src.port(), s.replication(), s.database())));
        List<Attempt> attempts = new ArrayList<>();
        for (NamedMethod m : methods) {
            if (source.isEmpty() && !m.method().runsWithoutLeader()) {
                LOG.info("replica method {} needs a running member to copy from; skipped", m.name());
                continue;
            }
            if (!m.method().keepsExistingData()) {
                pg.dataDirectory().wipe();
            }
            pg.dataDirectory().prepare();
            LOG.info("creating a replica with {}{}", m.name(), source.map(x -> " from " + x.host() + ":" + x.port())
                    .orElse(""));
            ReplicaRequest request = new ReplicaRequest(s.dataDirectory(), s.binaries().directory(), dsn,
                    s.clusterName(), s.memberName(), role, Map.of("PGPASSFILE", s.pgpassFile().toString()), timeout);
            ReplicaResult result;
            try {
                result = m.method().createReplica(request);
            } catch (RuntimeException e) {
                result = ReplicaResult.failed(m.name() + " threw " + e, true);
            }
            attempts.add(new Attempt(m.name(), result));
            if (result.succeeded() && pg.dataDirectory().isInitialized()) {
                pg.dataDirectory().fixOwnership();
                return new Outcome(Optional.of(m.name()), attempts);
            }
            if (result.succeeded()) {
                attempts.set(attempts.size() - 1, new Attempt(m.name(), ReplicaResult.failed(
                        m.name() + " reported success but left no database cluster", true)));
            }
            LOG.warn("replica method {} failed: {}", m.name(), ((ReplicaResult.Failed) attempts.get(attempts.size() - 1)
                    .result()).reason());
        }
        return new Outcome(Optional.empty(), attempts);
    }
}
