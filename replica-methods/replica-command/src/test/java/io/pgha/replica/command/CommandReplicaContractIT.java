package io.pgha.replica.command;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.testkit.replica.PostgresSourceFixture;
import io.pgha.testkit.replica.ReplicaKitFixture;
import io.pgha.testkit.replica.ReplicaMethodContractKit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The generic command method passes the replica-method contract with a Patroni-style script that reads
 * {@code --datadir} and {@code --connstring} and runs pg_basebackup against a real PostgreSQL 15 primary.
 */
class CommandReplicaContractIT extends ReplicaMethodContractKit {
    @Override
    protected ReplicaKitFixture createFixture() {
        return new PostgresSourceFixture() {
            private Path script;

            @Override
            protected void afterSourceStarted() {
                script = root().resolve("clone-with-basebackup.sh");
                try {
                    Files.writeString(script, String.join("\n", "#!/bin/sh", "set -e",
                            "for a in \"$@\"; do case $a in",
                            "  --datadir=*) d=${a#--datadir=};; --connstring=*) c=${a#--connstring=};;",
                            "  --checkpoint=*) k=${a#--checkpoint=};; esac; done",
                            "exec " + binDirectory().resolve("pg_basebackup") + " -D \"$d\" -d \"$c\" -X stream -c \"$k\"",
                            ""));
                    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public ReplicaMethodProvider provider() {
                return new CommandReplicaProvider();
            }

            @Override
            public ConfigSection workingOptions() {
                return new ConfigSection("postgresql.clone", Map.of("command", script.toString(), "checkpoint",
                        "fast"));
            }

            @Override
            public ConfigSection invalidOptions() {
                return new ConfigSection("postgresql.clone", Map.of("command", "unterminated 'quote"));
            }

            @Override
            public boolean runsWithoutLeader() {
                return false;
            }

            @Override
            public boolean keepsExistingData() {
                return false;
            }
        }.start();
    }
}
