package io.pgha.replica.rsync;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.testkit.replica.PostgresSourceFixture;
import io.pgha.testkit.replica.ReplicaKitFixture;
import io.pgha.testkit.replica.ReplicaMethodContractKit;
import java.util.Map;

/**
 * rsync passes the replica-method contract with local rsync from a real PostgreSQL 15 primary on this host (the
 * daemon form is covered by {@link RsyncReplicaIT}).
 */
class RsyncReplicaContractIT extends ReplicaMethodContractKit {
    @Override
    protected ReplicaKitFixture createFixture() {
        return new PostgresSourceFixture() {
            @Override
            public ReplicaMethodProvider provider() {
                return new RsyncReplicaProvider();
            }

            @Override
            public ConfigSection workingOptions() {
                return new ConfigSection("postgresql.rsync", Map.of("source_directory",
                        source().dataDirectory().toString()));
            }

            @Override
            public ConfigSection invalidOptions() {
                return new ConfigSection("postgresql.rsync", Map.of("source_directory", "relative/dir"));
            }

            @Override
            public boolean runsWithoutLeader() {
                return false;
            }

            @Override
            public boolean keepsExistingData() {
                return true;
            }
        }.start();
    }
}
