package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.Waits;
import io.pgha.distribution.harness.ZooKeeperFixture;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Operating a running member as under systemd: SIGHUP re-reads the configuration file and reloads PostgreSQL without
 * stopping anything (Debian's and Patroni's units send it on {@code systemctl reload}); a restart-only parameter is
 * reported as pending_restart; an invalid file changes nothing.
 */
class LiveConfigIT {

    @Test
    @DisplayName("SIGHUP applies changed parameters with a PostgreSQL reload, flags restart-only ones, and never stops")
    void sighupReloads() throws Exception {
        try (ZooKeeperFixture zk = ZooKeeperFixture.launch();
                TestCluster cluster = TestCluster.create(zk, "it-live", 1)) {
            cluster.startAll();
            ClusterMember m = cluster.awaitHealthy(Waits.seconds(120));
            long agentPid = m.agentPid();
            long postmaster = m.postmasterPid().orElseThrow();
            assertEquals(Optional.of("4MB"), m.queryValue("SHOW work_mem"));

            Files.writeString(m.configFile(), "  parameters: {work_mem: 7MB, max_files_per_process: 900}\n",
                    StandardOpenOption.APPEND);
            m.sighup();
            assertTrue(Waits.poll(Waits.seconds(30), () -> m.queryValue("SHOW work_mem").equals(Optional.of("7MB"))),
                    "work_mem reloaded: " + m.agentLogTail(30));
            assertTrue(Waits.poll(Waits.seconds(30), () -> m.patroni()
                    .map(p -> Boolean.TRUE.equals(p.get("pending_restart"))).orElse(false)),
                    "max_files_per_process needs a restart: " + m.patroni());
            assertTrue(Procs.alive(agentPid), "the agent still runs");
            assertEquals(Optional.of(postmaster), m.postmasterPid(), "PostgreSQL was not restarted");

            // a broken file is refused whole: nothing changes, nothing stops
            Files.writeString(m.configFile(), "  parameters: {work_mem: [\n", StandardOpenOption.APPEND);
            long mark = m.logSize();
            m.sighup();
            assertTrue(Waits.poll(Waits.seconds(30), () -> m.logSince(mark).contains("nothing was changed")),
                    m.logSince(mark));
            assertTrue(Procs.alive(agentPid));
            assertEquals(Optional.of("7MB"), m.queryValue("SHOW work_mem"));
        }
    }
}
