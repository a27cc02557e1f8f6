package io.pgha.replica.rsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.FakePluginContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RsyncReplicaProviderTest {

    private static List<String> problems(Map<String, Object> options) {
        return new RsyncReplicaProvider().validate(new ConfigSection("postgresql.rsync", options)).stream()
                .map(p -> p.path() + (p.isError() ? "!" : "?")).sorted().toList();
    }

    @Test
    @DisplayName("registered as 'rsync'; needs a leader; keeps existing data (rsync sends only differences)")
    void registered() {
        ReplicaMethodProvider p = ServiceLoader.load(ReplicaMethodProvider.class).stream()
                .filter(x -> x.type() == RsyncReplicaProvider.class).findFirst().orElseThrow().get();
        assertEquals("rsync", p.name());
        ReplicaMethod m = p.create(new ConfigSection("postgresql.rsync", Map.of("module", "pgdata")),
                FakePluginContext.of("b", "n"));
        assertFalse(m.runsWithoutLeader());
        assertTrue(m.keepsExistingData());
    }

    @Test
    @DisplayName("validation: exactly one source, an absolute directory, a TCP port, options only")
    void validation() {
        assertEquals(List.of("postgresql.rsync.module!"), problems(Map.of()));
        assertEquals(List.of("postgresql.rsync.module!"), problems(Map.of("module", "m", "source_directory", "/d")));
        assertEquals(List.of("postgresql.rsync.source_directory!"), problems(Map.of("source_directory", "rel")));
        assertEquals(List.of("postgresql.rsync.port!", "postgresql.rsync.rsync_options!", "postgresql.rsync.what?"),
                problems(Map.of("module", "m", "port", 70000, "rsync_options", List.of("/etc"), "what", 1)));
        assertEquals(List.of(), problems(Map.of("module", "m", "port", 8873, "user", "postgres",
                "rsync_options", List.of("--bwlimit=50m"))));
    }

    @Test
    @DisplayName("without a source there is nothing to copy: a retryable failure")
    void noSource() {
        ReplicaMethod m = new RsyncReplicaProvider().create(new ConfigSection("postgresql.rsync",
                Map.of("module", "pgdata")), FakePluginContext.of("b", "n"));
        ReplicaResult r = m.createReplica(new ReplicaRequest(Path.of("/nonexistent"), Path.of("/usr/lib/postgresql/15/bin"),
                Optional.empty(), "b", "n", "replica", Map.of(), Duration.ofSeconds(5)));
        assertTrue(((ReplicaResult.Failed) r).retryable());
    }

    @Test
    @DisplayName("problems are reported at once")
    void allAtOnce() {
        List<ConfigProblem> p = new RsyncReplicaProvider().validate(new ConfigSection("postgresql.rsync",
                Map.of("port", "x")));
        assertEquals(2, p.size(), p.toString());
    }
}
