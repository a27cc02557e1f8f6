package io.pgha.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.testkit.server.ZooKeeperProcess;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ZooKeeperProcessTest {

    @Test
    @DisplayName("a missing Debian ZooKeeper fails with the package to install")
    void missingPackage() {
        try (ZooKeeperProcess zk = ZooKeeperProcess.builder().jar(Path.of("/nonexistent/zookeeper.jar")).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, zk::startAndWait);
            assertTrue(e.getMessage().contains("apt-get install zookeeper"), e.getMessage());
        }
    }
}
