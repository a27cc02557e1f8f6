package io.pgha.engine.demo;

import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.dcs.DcsTimings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * A short-lived DCS client of the demo itself, for an external DCS (etcd) only: to refuse a cluster of the same name
 * this base directory has no data for, and to delete the cluster's keys with {@code --clean}. With the embedded
 * ZooKeeper the DCS lives in the base directory and goes with it.
 */
final class DemoDcsAccess {

    private DemoDcsAccess() {
    }

    record Context(String memberName, String scope, String namespace, Path stateDirectory, DcsTimings timings)
            implements DcsContext {
        @Override
        public CommandRunner commands() {
            return command -> {
                throw new UnsupportedOperationException("the demo's DCS client runs no commands");
            };
        }
    }

    static <T> T withClient(PluginRegistry plugins, String section, Map<String, Object> options, String scope,
            String namespace, Path stateDirectory, Function<DcsClient, T> action) {
        LoadedProvider<DcsProvider> provider = plugins.dcs(section);
        Context ctx = new Context("pgha-demo", scope, namespace, stateDirectory, new DcsTimings(
                Duration.ofSeconds(MemberConfigs.TTL), Duration.ofSeconds(MemberConfigs.LOOP_WAIT),
                Duration.ofSeconds(MemberConfigs.RETRY_TIMEOUT)));
        DcsClient client = provider.contextual(DcsClient.class,
                provider.call(p -> p.open(new ConfigSection(section, options), ctx)));
        try {
            return action.apply(client);
        } finally {
            client.close();
        }
    }
}
