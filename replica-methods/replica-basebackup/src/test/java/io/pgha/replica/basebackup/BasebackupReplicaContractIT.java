package io.pgha.replica.basebackup;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.testkit.replica.PostgresSourceFixture;
import io.pgha.testkit.replica.ReplicaKitFixture;
import io.pgha.testkit.replica.ReplicaMethodContractKit;
import java.util.List;
import java.util.Map;

/** basebackup passes the replica-method contract against a real PostgreSQL 15 primary. */
class BasebackupReplicaContractIT extends ReplicaMethodContractKit {
    @Override
    protected ReplicaKitFixture createFixture() {
        return new PostgresSourceFixture() {
            @Override
            public ReplicaMethodProvider provider() {
                return new BasebackupReplicaProvider();
            }

            @Override
            public ConfigSection workingOptions() {
                return new ConfigSection("postgresql.basebackup", Map.of("checkpoint", "fast"));
            }

            @Override
            public ConfigSection invalidOptions() {
                // the engine chooses the directory and the source; a user may not
                return new ConfigSection("postgresql.basebackup", Map.of("pgdata", "/elsewhere"));
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
