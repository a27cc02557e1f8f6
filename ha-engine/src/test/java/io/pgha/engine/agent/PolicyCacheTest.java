package io.pgha.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.pgha.engine.config.ConfigLoader;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.config.PghaConfig;
import io.pgha.engine.ha.HaPolicy;
import io.pgha.spi.dcs.ClusterConfig;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.LeaderStatus;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCacheTest {
    @TempDir
    Path dir;

    private PghaConfig config() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("scope", "unit");
        tree.put("name", "unit-1");
        tree.put("restapi", Map.of("listen", "127.0.0.1:8008", "connect_address", "127.0.0.1:8008"));
        tree.put("memory", new LinkedHashMap<>(Map.of("hosts", "127.0.0.1:2379")));
        tree.put("postgresql", Map.of("listen", "127.0.0.1:5432", "connect_address", "127.0.0.1:5432",
                "data_dir", dir.resolve("data").toString(),
                "authentication", Map.of("superuser", Map.of("username", "su", "password", "su-secret"),
                        "replication", Map.of("username", "repl", "password", "repl-secret"))));
        LoadedConfig loaded = new ConfigLoader(Map.of(), Set.of("memory")).load(tree);
        return loaded.config();
    }

    private static ClusterState withConfig(long version, Map<String, Object> data) {
        return new ClusterState(Optional.empty(), Optional.of(new ClusterConfig(version, data)), Optional.empty(),
                LeaderStatus.NONE, List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of());
    }

    @Test
    void rebuiltOnlyWhenAnInputChanges() {
        AtomicReference<PghaConfig> file = new AtomicReference<>(config());
        AtomicLong generation = new AtomicLong(1);
        AtomicInteger builds = new AtomicInteger();
        AtomicReference<io.pgha.engine.config.DynamicConfig> dynamic =
                new AtomicReference<>(file.get().bootstrap().dcs());
        PolicyCache cache = new PolicyCache(file::get, generation::get, cluster -> {
            builds.incrementAndGet();
            return Agent.policy(file.get(), cluster, dynamic, generation.get());
        });

        HaPolicy first = cache.apply(withConfig(7, Map.of("ttl", 30L, "loop_wait", 10L)));
        assertSame(first, cache.apply(withConfig(7, Map.of("ttl", 30L, "loop_wait", 10L))));
        assertEquals(1, builds.get(), "an unchanged config key was parsed again");

        HaPolicy paused = cache.apply(withConfig(8, Map.of("ttl", 30L, "loop_wait", 10L, "pause", true)));
        assertEquals(2, builds.get(), "a new version of the config key was not read");
        assertEquals(true, paused.paused());

        generation.set(2);
        assertNotSame(paused, cache.apply(withConfig(8, Map.of("ttl", 30L, "loop_wait", 10L, "pause", true))));
        assertEquals(3, builds.get(), "a reloaded file (new generation) did not rebuild the policy");

        file.set(config());
        cache.apply(withConfig(8, Map.of("ttl", 30L, "loop_wait", 10L, "pause", true)));
        assertEquals(4, builds.get(), "a new configuration file did not rebuild the policy");

        cache.apply(ClusterState.EMPTY);
        assertEquals(5, builds.get(), "a deleted config key did not rebuild the policy");
        cache.apply(ClusterState.EMPTY);
        assertEquals(5, builds.get());
    }
}
