package io.pgha.engine.rest;

import io.pgha.spi.dcs.ClusterConfig;
import io.pgha.spi.dcs.ClusterState;
import java.util.Map;

/**
 * The three global-config switches that change how a fresh DCS read is presented ({@code /cluster}) and which
 * switchovers are acceptable: pause, standby cluster, synchronous mode. Read from the {@code config} key as Patroni's
 * {@code global_config.from_cluster} does, falling back to the HA loop's settings when the key is absent.
 */
record GlobalFlags(boolean paused, boolean standbyCluster, HaSettings.SyncMode syncMode) {

    static GlobalFlags of(HaSettings s) {
        return new GlobalFlags(s.paused(), s.standbyCluster(), s.synchronousMode());
    }

    static GlobalFlags from(ClusterState cluster, HaSettings fallback) {
        return cluster.config().map(GlobalFlags::from).orElseGet(() -> of(fallback));
    }

    static GlobalFlags from(ClusterConfig config) {
        Map<String, Object> data = config.data();
        boolean standby = data.get("standby_cluster") instanceof Map<?, ?> sc
                && (present(sc.get("host")) || present(sc.get("port")) || present(sc.get("restore_command")));
        Object mode = data.get("synchronous_mode");
        HaSettings.SyncMode sync = "quorum".equals(mode) ? HaSettings.SyncMode.QUORUM
                : PatroniText.truthy(mode) ? HaSettings.SyncMode.ON : HaSettings.SyncMode.OFF;
        return new GlobalFlags(PatroniText.truthy(data.get("pause")), standby, sync);
    }

    private static boolean present(Object v) {
        return v != null && !(v instanceof String s && s.isEmpty()) && !(v instanceof Number n && n.doubleValue() == 0)
                && !Boolean.FALSE.equals(v);
    }

    /** Patroni's {@code is_synchronous_mode}. */
    boolean synchronous() {
        return syncMode != HaSettings.SyncMode.OFF && !standbyCluster;
    }

    /** Patroni's {@code is_quorum_commit_mode}. */
    boolean quorum() {
        return synchronous() && syncMode == HaSettings.SyncMode.QUORUM;
    }
}
