package com.example.pgha.restore;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.testkit.replica.PostgresSourceFixture;
import io.pgha.testkit.replica.ReplicaKitFixture;
import io.pgha.testkit.replica.ReplicaMethodContractKit;
import io.pgha.testkit.server.PostgresProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * tar_restore passes pgha's replica-method contract: the kit's source is backed up with {@code pg_basebackup -Ft}
 * into a directory of backups, and every copy is unpacked from there.
 */
class TarRestoreContractIT extends ReplicaMethodContractKit {
    @Override
    protected ReplicaKitFixture createFixture() {
        return new PostgresSourceFixture() {
            private Path backups;

            @Override
            protected void afterSourceStarted() {
                try {
                    backups = PostgresProcess.databaseUserDirectory(root().resolve("backups"));
                    // an older, broken backup must not be chosen over the newest complete one
                    PostgresProcess.databaseUserDirectory(backups.resolve("20200101T0000"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                PostgresProcess.run(List.of(binDirectory().resolve("pg_basebackup").toString(), "-D",
                        backups.resolve("20261205T1000").toString(), "-Ft", "-X", "stream", "-c", "fast", "-d",
                        source().connectionString("postgres")), Duration.ofMinutes(2), "pg_basebackup");
            }

            @Override
            public ReplicaMethodProvider provider() {
                return new TarRestoreProvider();
            }

            @Override
            public ConfigSection workingOptions() {
                return new ConfigSection("postgresql.tar_restore", Map.of("backup_directory", backups.toString()));
            }

            @Override
            public ConfigSection invalidOptions() {
                return new ConfigSection("postgresql.tar_restore", Map.of("backup_directory", "backups"));
            }

            @Override
            public ConfigSection failingOptions() {
                return new ConfigSection("postgresql.tar_restore", Map.of("backup_directory", backups.toString(),
                        "backup", "20200101T0000"));
            }

            @Override
            public boolean runsWithoutLeader() {
                return true;
            }

            @Override
            public boolean keepsExistingData() {
                return false;
            }
        }.start();
    }
}
