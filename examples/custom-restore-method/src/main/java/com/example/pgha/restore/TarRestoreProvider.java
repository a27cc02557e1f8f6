package com.example.pgha.restore;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.PluginContext;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tar_restore}: a replica from the newest base backup in a directory of backups, unpacked with tar.
 *
 * <pre>
 * postgresql:
 *   create_replica_methods: [tar_restore, basebackup]
 *   tar_restore:
 *     backup_directory: /var/backups/pg     # one subdirectory per backup, each with base.tar (and pg_wal.tar)
 *     backup: 20261205T1000                 # optional: this backup instead of the newest
 *     tar: /usr/bin/tar                     # optional
 * </pre>
 */
public final class TarRestoreProvider implements ReplicaMethodProvider {
    public static final String NAME = "tar_restore";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ConfigProblem> validate(ConfigSection options) {
        List<ConfigProblem> problems = new ArrayList<>();
        TarRestore.Settings.read(options, problems);
        return problems;
    }

    @Override
    public ReplicaMethod create(ConfigSection options, PluginContext context) {
        List<ConfigProblem> problems = new ArrayList<>();
        TarRestore.Settings settings = TarRestore.Settings.read(options, problems);
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
        return new TarRestore(settings, context.commands());
    }
}
