package io.pgha.bootstrap.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.bootstrap.BootstrapMethodProvider;
import io.pgha.testkit.bootstrap.BootstrapKitFixture;
import io.pgha.testkit.bootstrap.BootstrapMethodContractKit;
import io.pgha.testkit.bootstrap.ScratchBootstrapFixture;
import io.pgha.testkit.server.PostgresProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The custom bootstrap command passes the bootstrap-method contract by cloning another, running PostgreSQL 15
 * cluster: the script takes a base backup into {@code --datadir}, and recovery_conf makes the clone stop at the
 * first consistent point (where it pauses, and is promoted, as the engine promotes it).
 */
class CommandBootstrapContractIT extends BootstrapMethodContractKit {
    @Override
    protected BootstrapKitFixture createFixture() {
        return new ScratchBootstrapFixture() {
            private final PostgresProcess source;
            private final Path script;

            {
                source = PostgresProcess.on(workDirectory().resolve("source"), workDirectory(),
                        Map.of("wal_level", "replica"));
                source.initdb().start(Duration.ofSeconds(60));
                source.sql("CREATE TABLE cloned(v text); INSERT INTO cloned VALUES ('from the source')");
                script = workDirectory().resolve("clone.sh");
                try {
                    Files.writeString(script, String.join("\n", "#!/bin/sh", "set -e",
                            "for a in \"$@\"; do case $a in --datadir=*) d=${a#--datadir=};; esac; done",
                            "exec " + binDirectory().resolve("pg_basebackup") + " -D \"$d\" -d '"
                                    + source.connectionString("postgres") + "' -X stream -c fast", ""));
                    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
                } catch (IOException e) {
                    source.stop();
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public BootstrapMethodProvider provider() {
                return new CommandBootstrapProvider();
            }

            @Override
            public ConfigSection workingOptions() {
                Map<String, Object> recovery = new LinkedHashMap<>();
                recovery.put("restore_command", "/bin/false");
                recovery.put("recovery_target", "immediate");
                Map<String, Object> options = new LinkedHashMap<>();
                options.put("command", script.toString());
                options.put("recovery_conf", recovery);
                return new ConfigSection("bootstrap.clone", options);
            }

            @Override
            public ConfigSection invalidOptions() {
                return new ConfigSection("bootstrap.clone", Map.of("no_params", true));
            }

            @Override
            public ConfigSection failingOptions() {
                return new ConfigSection("bootstrap.clone", Map.of("command",
                        "sh -c 'echo the source cluster is unreachable >&2; exit 3'"));
            }

            @Override
            public void verifyRunning(PostgresProcess cluster) {
                assertEquals("from the source", cluster.sql("SELECT v FROM cloned"));
            }

            @Override
            public void close() {
                try {
                    source.stop();
                } finally {
                    super.close();
                }
            }
        };
    }
}
