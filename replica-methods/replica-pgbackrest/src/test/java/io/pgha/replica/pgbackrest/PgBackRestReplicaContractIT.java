package io.pgha.replica.pgbackrest;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.testkit.replica.PostgresSourceFixture;
import io.pgha.testkit.replica.ReplicaKitFixture;
import io.pgha.testkit.replica.ReplicaMethodContractKit;
import io.pgha.testkit.server.PostgresProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * pgbackrest passes the replica-method contract against real pgBackRest: the source archives into a repository on
 * local disk, a full backup is taken, and the source is stopped, so every copy comes from the repository alone.
 */
class PgBackRestReplicaContractIT extends ReplicaMethodContractKit {
    private static final String STANZA = "kit";

    @Override
    protected ReplicaKitFixture createFixture() {
        return new PostgresSourceFixture() {
            private Path config;

            private Path config() {
                if (config == null) {
                    config = root().resolve("pgbackrest.conf");
                }
                return config;
            }

            @Override
            protected Map<String, String> sourceParameters() {
                return Map.of("archive_mode", "on", "archive_command", "pgbackrest --config=" + config()
                        + " --stanza=" + STANZA + " archive-push %p");
            }

            @Override
            protected void afterSourceStarted() {
                try {
                    Path repo = PostgresProcess.databaseUserDirectory(root().resolve("repo"));
                    Path logs = PostgresProcess.databaseUserDirectory(root().resolve("log"));
                    Path locks = PostgresProcess.databaseUserDirectory(root().resolve("lock"));
                    Files.writeString(config(), String.join("\n", "[global]", "repo1-path=" + repo,
                            "log-path=" + logs, "lock-path=" + locks, "log-level-console=warn", "start-fast=y",
                            "compress-type=none", "", "[" + STANZA + "]", "pg1-path=" + source().dataDirectory(),
                            "pg1-port=" + source().port(), "pg1-socket-path=" + source().socketDirectory(), ""));
                    Files.setPosixFilePermissions(config(), PosixFilePermissions.fromString("rw-r--r--"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                pgbackrest("stanza-create");
                pgbackrest("--type=full", "backup");
                pgbackrest("check");
                stopSource();
            }

            private void pgbackrest(String... args) {
                List<String> argv = new ArrayList<>(List.of("pgbackrest", "--config=" + config(),
                        "--stanza=" + STANZA));
                argv.addAll(List.of(args));
                PostgresProcess.run(argv, Duration.ofMinutes(3), "pgbackrest " + String.join(" ", args));
            }

            @Override
            public ReplicaMethodProvider provider() {
                return new PgBackRestReplicaProvider();
            }

            @Override
            public ConfigSection workingOptions() {
                return new ConfigSection("postgresql.pgbackrest", Map.of("stanza", STANZA, "config",
                        config().toString()));
            }

            @Override
            public ConfigSection invalidOptions() {
                return new ConfigSection("postgresql.pgbackrest", Map.of("config", config().toString()));
            }

            @Override
            public ConfigSection failingOptions() {
                return new ConfigSection("postgresql.pgbackrest", Map.of("stanza", "no_such_stanza", "config",
                        config().toString()));
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
