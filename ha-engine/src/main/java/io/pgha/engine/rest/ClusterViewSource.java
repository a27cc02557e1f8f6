package io.pgha.engine.rest;

import io.pgha.spi.dcs.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the REST API reads the cluster as stored in the DCS, implemented by the HA loop.
 *
 * <p>Threading: both methods are called concurrently from request threads.
 */
public interface ClusterViewSource {

    /**
     * The last successful DCS read (by the HA loop or by {@link #read}) and when it completed. Must return at once
     * without touching the DCS. The API trusts it for {@link HaSettings#ttl()} after {@link ClusterView#readAt()},
     * as Patroni trusts its cached cluster; an older view counts as "DCS not accessible".
     */
    Optional<ClusterView> lastRead();

    /**
     * A fresh read of the DCS, for {@code GET /cluster}, the switchover checks, and {@code /history} and
     * {@code /config} when the last read is too old. Implementations should remember a successful result as the
     * new {@link #lastRead()}.
     *
     * @param timeout return or throw within about this long
     * @throws RuntimeException (typically {@link io.pgha.spi.dcs.DcsUnavailableException}) when the DCS cannot be
     *         read in time; the API answers 503 then
     */
    ClusterView read(Duration timeout);

    /**
     * A cluster as read from the DCS.
     *
     * @param state what the DCS holds
     * @param readAt when the read completed (feeds {@code dcs_last_seen})
     */
    record ClusterView(ClusterState state, Instant readAt) {
        public ClusterView {
            Objects.requireNonNull(state, "state is null");
            Objects.requireNonNull(readAt, "readAt is null");
        }
    }
}
