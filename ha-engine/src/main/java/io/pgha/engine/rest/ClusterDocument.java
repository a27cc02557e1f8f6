package io.pgha.engine.rest;

import io.pgha.spi.dcs.ClusterState;
import java.util.Map;

/** The {@code GET /cluster} document of a cluster read from the DCS, for tools that read the DCS themselves. */
public final class ClusterDocument {
    private ClusterDocument() {
    }

    /** What {@code GET /cluster} answers for {@code cluster}. */
    public static Map<String, Object> of(ClusterState cluster, String scope) {
        GlobalFlags flags = GlobalFlags.from(cluster, new HaSettings(false, false, HaSettings.SyncMode.OFF, 1_048_576,
                java.time.Duration.ofSeconds(30)));
        return Documents.cluster(cluster, flags, scope);
    }
}
