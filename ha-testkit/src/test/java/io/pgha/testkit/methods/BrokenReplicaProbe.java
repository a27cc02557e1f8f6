package io.pgha.testkit.methods;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.PluginContext;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaMethodProvider;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import io.pgha.testkit.replica.PostgresSourceFixture;
import io.pgha.testkit.replica.ReplicaKitFixture;
import io.pgha.testkit.replica.ReplicaMethodContractKit;
import java.util.Map;

/**
 * The replica kit run against a method that breaks the contract in every way a careless one might: it is not
 * registered, accepts any option, reports success without copying anything (even without a leader), and throws when
 * its run fails. Run by {@link MethodKitSelfIT} only (not a *Test or *IT itself).
 */
class BrokenReplicaProbe extends ReplicaMethodContractKit {

    /** Not in META-INF/services. */
    static final class Careless implements ReplicaMethodProvider {
        @Override
        public String name() {
            return "careless";
        }

        @Override
        public ReplicaMethod create(ConfigSection options, PluginContext context) {
            boolean failing = options.has("fail");
            return new ReplicaMethod() {
                @Override
                public boolean runsWithoutLeader() {
                    return false;
                }

                @Override
                public boolean keepsExistingData() {
                    return false;
                }

                @Override
                public ReplicaResult createReplica(ReplicaRequest request) {
                    if (failing) {
                        throw new IllegalStateException("source unreachable");
                    }
                    return ReplicaResult.created();
                }
            };
        }
    }

    @Override
    protected ReplicaKitFixture createFixture() {
        return new PostgresSourceFixture() {
            @Override
            public ReplicaMethodProvider provider() {
                return new Careless();
            }

            @Override
            public ConfigSection workingOptions() {
                return new ConfigSection("postgresql.careless", Map.of());
            }

            @Override
            public ConfigSection invalidOptions() {
                return new ConfigSection("postgresql.careless", Map.of("no_such_option", 1));
            }

            @Override
            public ConfigSection failingOptions() {
                return new ConfigSection("postgresql.careless", Map.of("fail", true));
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
