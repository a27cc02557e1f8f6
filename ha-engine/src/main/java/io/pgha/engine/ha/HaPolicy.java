package io.pgha.engine.ha;

import io.pgha.spi.dcs.DcsTimings;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The dynamic settings the HA loop decides with, from the DCS {@code config} key (or {@code bootstrap.dcs} before
 * the cluster exists), already validated and with Patroni's timing adjustment applied.
 *
 * @param timings ttl, loop_wait, retry_timeout
 * @param maximumLagOnFailover a replica further behind the leader's last known position than this (bytes) does not
 *        race
 * @param primaryStartTimeout how long a crashed primary that holds the lock may take to start again before failing
 *        over
 * @param useSlots whether the leader keeps a physical slot per member
 * @param usePgRewind whether a diverged former primary is rewound
 * @param removeDataDirectoryOnRewindFailure re-create the replica when pg_rewind fails
 * @param removeDataDirectoryOnDivergedTimelines re-create the replica when it diverged and cannot be rewound
 * @param bootstrapConfig what the bootstrapping member writes into the {@code config} key
 * @param paused maintenance mode ({@code pause: true}): no automatic failover, PostgreSQL neither started nor stopped
 * @param serverConfigVersion changes whenever what PostgreSQL's configuration files are made of changes (the DCS
 *        {@code config} key's {@code postgresql} section, or the local file after a reload): a running server is
 *        then reloaded
 * @param sync synchronous replication
 * @param failsafe {@code failsafe_mode}: a primary without the DCS keeps running while every member confirms it
 * @param remotePrimary {@code standby_cluster}: the primary of another cluster that this cluster's leader follows as a
 *        standby leader instead of running as a primary
 * @param slots permanent and ignored slots, and how long a vanished member's slot is kept
 * @param checkTimeline {@code check_timeline}: a member on a timeline older than the cluster's does not race
 * @param maxTimelinesHistory {@code max_timelines_history}: how many entries the history key keeps (0: all)
 */
public record HaPolicy(DcsTimings timings, long maximumLagOnFailover, Duration primaryStartTimeout, boolean useSlots,
        boolean usePgRewind, boolean removeDataDirectoryOnRewindFailure, boolean removeDataDirectoryOnDivergedTimelines,
        Map<String, Object> bootstrapConfig, boolean paused, Object serverConfigVersion, SyncPolicy sync,
        boolean failsafe, Optional<Upstream> remotePrimary, SlotPolicy slots,
        boolean checkTimeline, int maxTimelinesHistory) {

    public HaPolicy {
        Objects.requireNonNull(timings, "timings is null");
        Objects.requireNonNull(sync, "sync is null");
        Objects.requireNonNull(remotePrimary, "remotePrimary is null");
        Objects.requireNonNull(slots, "slots is null");
        Objects.requireNonNull(primaryStartTimeout, "primaryStartTimeout is null");
        bootstrapConfig = Map.copyOf(bootstrapConfig);
        Objects.requireNonNull(serverConfigVersion, "serverConfigVersion is null");
    }

    /** An asynchronous cluster's policy. */
    public HaPolicy(DcsTimings timings, long maximumLagOnFailover, Duration primaryStartTimeout, boolean useSlots,
            boolean usePgRewind, boolean removeDataDirectoryOnRewindFailure,
            boolean removeDataDirectoryOnDivergedTimelines, Map<String, Object> bootstrapConfig, boolean paused,
            Object serverConfigVersion) {
        this(timings, maximumLagOnFailover, primaryStartTimeout, useSlots, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, bootstrapConfig, paused,
                serverConfigVersion, SyncPolicy.OFF, false, Optional.empty(), SlotPolicy.DEFAULT, false, 0);
    }

    /** The same policy, paused or not. */
    public HaPolicy withPaused(boolean pause) {
        return new HaPolicy(timings, maximumLagOnFailover, primaryStartTimeout, useSlots, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, bootstrapConfig, pause,
                serverConfigVersion, sync, failsafe, remotePrimary, slots, checkTimeline, maxTimelinesHistory);
    }

    /** The same policy with {@code sync}. */
    public HaPolicy withSync(SyncPolicy sync) {
        return new HaPolicy(timings, maximumLagOnFailover, primaryStartTimeout, useSlots, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, bootstrapConfig, paused,
                serverConfigVersion, sync, failsafe, remotePrimary, slots, checkTimeline, maxTimelinesHistory);
    }

    /** The same policy with failsafe mode on or off. */
    public HaPolicy withFailsafe(boolean on) {
        return new HaPolicy(timings, maximumLagOnFailover, primaryStartTimeout, useSlots, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, bootstrapConfig, paused,
                serverConfigVersion, sync, on, remotePrimary, slots, checkTimeline, maxTimelinesHistory);
    }

    /** The same policy, replicating from {@code remote} as a standby cluster (or not, when empty). */
    public HaPolicy withRemotePrimary(Optional<Upstream> remote) {
        return new HaPolicy(timings, maximumLagOnFailover, primaryStartTimeout, useSlots, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, bootstrapConfig, paused,
                serverConfigVersion, sync, failsafe, remote, slots, checkTimeline, maxTimelinesHistory);
    }

    /** The same policy with {@code slots}. */
    public HaPolicy withSlots(SlotPolicy slots) {
        return new HaPolicy(timings, maximumLagOnFailover, primaryStartTimeout, useSlots, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, bootstrapConfig, paused,
                serverConfigVersion, sync, failsafe, remotePrimary, slots, checkTimeline, maxTimelinesHistory);
    }

    /** The same policy, with {@code check_timeline} on or off. */
    public HaPolicy withCheckTimeline(boolean on) {
        return new HaPolicy(timings, maximumLagOnFailover, primaryStartTimeout, useSlots, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, bootstrapConfig, paused,
                serverConfigVersion, sync, failsafe, remotePrimary, slots, on, maxTimelinesHistory);
    }

    /** The same policy, keeping at most {@code n} history entries (0: all). */
    public HaPolicy withMaxTimelinesHistory(int n) {
        return new HaPolicy(timings, maximumLagOnFailover, primaryStartTimeout, useSlots, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, bootstrapConfig, paused,
                serverConfigVersion, sync, failsafe, remotePrimary, slots, checkTimeline, n);
    }

    /** Whether this cluster is a standby cluster: its leader follows {@link #remotePrimary()}. */
    public boolean standbyCluster() {
        return remotePrimary.isPresent();
    }

    /**
     * How long before the lock's expiry the fencing guard stops PostgreSQL if the lock was not refreshed: the
     * worst-case fencing stop, plus a slack of a twentieth of the ttl (at least a second) for a timer thread that
     * wakes late on a loaded machine.
     */
    public Duration fenceMargin(Duration fenceWorstCase) {
        return fenceMargin(timings, fenceWorstCase);
    }

    /** {@link #fenceMargin(Duration)} for {@code timings}, for reports made without a running loop. */
    public static Duration fenceMargin(DcsTimings timings, Duration fenceWorstCase) {
        return fenceWorstCase.plus(fenceSlack(timings));
    }

    /** The slack part of the margin: a twentieth of the ttl, at least a second. */
    public static Duration fenceSlack(DcsTimings timings) {
        return Duration.ofMillis(Math.max(1000, timings.ttl().toMillis() / 20));
    }
}
