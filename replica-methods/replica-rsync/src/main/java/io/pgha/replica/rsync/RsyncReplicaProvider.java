package io.pgha.replica.rsync;

import io.pgha.replica.rsync.internal.RsyncCopy;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PluginContext;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code rsync} replica method: the running leader's data directory copied with rsync between
 * {@code pg_backup_start} and {@code pg_backup_stop} (the non-exclusive backup API, in one session the method keeps
 * open), the WAL written meanwhile copied after, and the backup label written into the copy; the copy then streams
 * from the leader like any replica. rsync sends only what differs, so re-creating a replica whose old directory is
 * still there is cheap: the method keeps existing data.
 *
 * <p>Options ({@code postgresql.rsync}); exactly one source:
 * <ul>
 * <li>{@code module}: the rsync daemon module that exports the leader's data directory on the leader's host (read
 * from {@code rsync://<leader host>:<port>/<module>/}), with {@code port} (default 873);
 * <li>{@code source_directory}: the leader's data directory on this host, copied by a local rsync (members that
 * share a host, tests);
 * <li>{@code user}: the role that runs the backup functions (superuser, or granted EXECUTE on them); the connection
 * string's user (the replication role) when absent;
 * <li>{@code rsync_options}: extra rsync arguments ({@code [--bwlimit=50m]}).
 * </ul>
 *
 * @since 0.9
 */
public final class RsyncReplicaProvider implements ReplicaMethodProvider {
    /** The method name in {@code create_replica_methods}. */
    public static final String NAME = "rsync";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>();
        RsyncCopy.Settings.read(options, problems);
        return problems;
    }

    @Override
    public ReplicaMethod create(ConfigSection options, PluginContext context) {
        List<ConfigProblem> problems = new ArrayList<>();
        RsyncCopy.Settings settings = RsyncCopy.Settings.read(options, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return new RsyncCopy(settings, context.commands());
    }
}
