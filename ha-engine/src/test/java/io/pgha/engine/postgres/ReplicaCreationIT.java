package io.pgha.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The engine's handling of the create_replica_methods list on real PostgreSQL, with methods that are real scripts
 * run as the database user: order, skipping, cleaning after a failure unless keep_data, the unfinished-build marker.
 */
class ReplicaCreationIT {
    private static PgFixture fixture;
    private static PostgresInstance primary;
    private static ReplicationSource source;

    @BeforeAll
    static void startPrimary() {
        fixture = new PgFixture();
        primary = fixture.runningPrimary("source");
        source = new ReplicationSource("127.0.0.1", primary.settings().port(), Optional.empty());
    }

    @AfterAll
    static void stopAll() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** A method that runs {@code body} with bash as the database user; $1 is the data directory. */
    private static ReplicaMethod script(String name, String body, boolean noLeader, boolean keepData) {
        Path file = fixture.root.resolve(name + ".sh");
        try {
            Files.writeString(file, "#!/bin/bash\nd=$1\n" + body + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new ReplicaMethod() {
            @Override
            public boolean runsWithoutLeader() {
                return noLeader;
            }

            @Override
            public boolean keepsExistingData() {
                return keepData;
            }

            @Override
            public ReplicaResult createReplica(ReplicaRequest request) {
                CommandResult r = fixture.runner.run(new Command(List.of(file.toString(),
                        request.dataDirectory().toString()), request.environment(), Optional.empty(), request.timeout(),
                        true));
                return r.succeeded() ? ReplicaResult.created() : ReplicaResult.failed(name + ": " + r.output().strip(), true);
            }
        };
    }

    private static List<String> names(ReplicaCreation.Outcome o) {
        return o.attempts().stream().map(ReplicaCreation.Attempt::method).toList();
    }

    @Test
    @DisplayName("methods run in order until one succeeds: unknown ones skipped, a failed one's leftovers removed,"
            + " a keep_data one's kept for the next round")
    void inOrder() throws Exception {
        PostgresInstance replica = fixture.instance("ordered");
        Path data = replica.settings().dataDirectory();
        Path seen = fixture.root.resolve("sockets").resolve("ordered-seen.txt"); // the database user may write there
        ReplicaCreation creation = new ReplicaCreation(replica, fixture.root.resolve("ordered-unfinished"));

        ReplicaCreation.Outcome first = creation.create(List.of(new ReplicaCreation.Usable("delta",
                script("delta", "echo partial > $d/partial_copy; exit 4", false, true))), Optional.of(source),
                "replica", Duration.ofSeconds(60));
        assertFalse(first.succeeded());
        assertTrue(Files.exists(data.resolve("partial_copy")), "keep_data: a failed method's data stays");
        assertTrue(creation.unfinished(), "the directory is marked as an unfinished build");

        ReplicaCreation.Outcome second = creation.create(List.of(
                new ReplicaCreation.Unavailable("wal_g", "no plugin provides it"),
                new ReplicaCreation.Usable("broken", script("broken", "ls -A $d > " + seen
                        + "; echo junk > $d/junk; echo 'archive unreachable'; exit 2", false, false)),
                new ReplicaCreation.Usable("basebackup", fixture.basebackup())), Optional.of(source), "replica",
                Duration.ofSeconds(120));
        assertTrue(second.succeeded(), second::describeFailures);
        assertEquals(Optional.of("basebackup"), second.succeededWith());
        assertEquals(List.of("wal_g", "broken", "basebackup"), names(second));
        assertEquals("", Files.readString(seen).strip(), "a method that does not keep data starts on an empty directory");
        assertTrue(second.describeFailures().contains("wal_g: skipped: no plugin provides it"), second.describeFailures());
        assertTrue(second.describeFailures().contains("broken: broken: archive unreachable"), second.describeFailures());
        assertFalse(Files.exists(data.resolve("junk")), "the failed method's leftovers were removed before basebackup");
        assertTrue(replica.dataDirectory().isInitialized());
        assertFalse(creation.unfinished(), "a finished build clears the marker");
        assertEquals("postgres", Files.getOwner(data.resolve("PG_VERSION")).getName());
    }

    @Test
    @DisplayName("with no member to copy from, only no_leader methods run; success without a cluster is a failure")
    void withoutLeader() {
        PostgresInstance replica = fixture.instance("archive");
        ReplicaCreation creation = new ReplicaCreation(replica, fixture.root.resolve("archive-unfinished"));
        List<ReplicaCreation.Candidate> candidates = List.of(
                new ReplicaCreation.Usable("basebackup", fixture.basebackup()),
                new ReplicaCreation.Usable("liar", script("liar", "exit 0", true, false)),
                new ReplicaCreation.Usable("restore", script("restore",
                        "echo 15 > $d/PG_VERSION; mkdir -p $d/global; echo x > $d/global/pg_control", true, false)));
        assertTrue(ReplicaCreation.anyRunsWithoutLeader(candidates));
        ReplicaCreation.Outcome o = creation.create(candidates, Optional.empty(), "replica", Duration.ofSeconds(60));
        assertEquals(Optional.of("restore"), o.succeededWith(), o::describeFailures);
        assertEquals(List.of("liar", "restore"), names(o), "basebackup needs a leader and was not tried");
        assertTrue(o.describeFailures().contains("liar reported success but left no database cluster"),
                o.describeFailures());
        assertFalse(ReplicaCreation.anyRunsWithoutLeader(List.of(
                new ReplicaCreation.Usable("basebackup", fixture.basebackup()),
                new ReplicaCreation.Unavailable("wal_e", "not installed"))));
    }
}
