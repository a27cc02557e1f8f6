package io.pgha.engine.ha.sim;

import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.Precondition;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * A randomized schedule of faults, drawn from the world's seed: crashes of PostgreSQL and of whole hosts, frozen and
 * killed agents, DCS outages, partitions and slow calls, stalled replication, unreadable status, switchovers (some
 * scheduled, some stale) with slow checkpoints. At most two faults are active at once; each heals after its duration.
 * After the chaos the world stays calm long enough for the liveness invariants to be judged.
 */
public final class ChaosSchedule {
    private final SimWorld world;
    private final Random random;
    private int active;

    public ChaosSchedule(SimWorld world) {
        this.world = world;
        this.random = world.random();
    }

    /** Runs a three-member cluster through {@code chaos} of faults, then a calm period, checking every invariant. */
    public void run(Duration chaos) {
        world.addMember("n1", java.util.Map.of());
        world.addMember("n2", java.util.Map.of());
        world.addMember("n3", random.nextInt(8) == 0 ? java.util.Map.of("nofailover", true) : java.util.Map.of());
        world.runFor(Duration.ofSeconds(40));
        long end = world.clock().nanoTime() + chaos.toNanos();
        while (world.clock().nanoTime() < end) {
            world.runFor(Duration.ofMillis(2000 + random.nextInt(25_000)));
            if (active < 2) {
                inject();
            }
        }
        world.runFor(world.quietBound().plus(Duration.ofSeconds(30)));
    }

    /**
     * The longest an agent may be frozen or dead while its PostgreSQL runs. Past that, only a fencing process outside
     * the agent (or a watchdog) can stop a primary whose lock expires; the in-JVM guard cannot run. The bound leaves a
     * loop_wait for the last refresh, the fencing margin, and a second of slack.
     */
    private Duration maxAgentPause() {
        var t = world.config().timings();
        long ms = t.ttl().toMillis() - t.loopWait().toMillis() - 4500;
        return Duration.ofMillis(Math.max(0, ms));
    }

    /**
     * How long {@code m}'s agent may be paused: a random time up to {@link #maxAgentPause()}, and, while its guard is
     * armed, short enough that the agent is back (with {@code restartCost} to act) before the guard's deadline. A
     * longer pause of a primary's agent is the case for an outside fencing process.
     */
    private Duration agentPause(SimMember m, Duration restartCost) {
        if (!m.agentRunning() || world.dcsSlow(m.name)) {
            return Duration.ZERO;
        }
        long limit = maxAgentPause().toMillis();
        long fenceAt = m.guard.fenceAt();
        if (fenceAt != 0) {
            limit = Math.min(limit, (fenceAt - world.clock().nanoTime()) / 1_000_000 - restartCost.toMillis());
        }
        return limit <= 0 ? Duration.ZERO : Duration.ofMillis(random.nextLong(limit + 1));
    }

    private void inject() {
        List<SimMember> members = world.members();
        SimMember m = members.get(random.nextInt(members.size()));
        Duration d = Duration.ofMillis(3000 + random.nextInt(50_000));
        var t = world.config().timings();
        switch (random.nextInt(14)) {
            case 0 -> {
                world.fault(m.name, "postgres crash");
                m.pg.crash();
                world.disturbed();
            }
            case 1 -> {
                if (!m.agentAlive()) {
                    return;
                }
                world.fault(m.name, "host crash");
                world.killAgent(m);
                m.pg.crash();
                during(d, () -> { }, () -> world.startAgent(m));
            }
            case 2 -> {
                Duration pause = agentPause(m, Duration.ZERO);
                if (pause.isZero()) {
                    return;
                }
                world.fault(m.name, "agent frozen");
                during(pause, () -> world.freeze(m, true), () -> world.freeze(m, false));
            }
            case 3 -> {
                Duration pause = agentPause(m, t.retryTimeout().plusSeconds(3));
                if (pause.isZero()) {
                    return;
                }
                world.fault(m.name, "agent killed and restarted");
                during(pause, () -> world.killAgent(m), () -> world.startAgent(m));
            }
            case 4 -> {
                world.fault(m.name, "DCS outage");
                during(d, () -> world.setDcsOutage(true), () -> world.setDcsOutage(false));
            }
            case 5 -> {
                world.fault(m.name, "member cut off from the DCS");
                during(d, () -> world.setDcsCutOff(m.name, true), () -> world.setDcsCutOff(m.name, false));
            }
            case 6 -> {
                long retry = t.retryTimeout().toMillis();
                Duration latency = Duration.ofMillis(retry / 2 + random.nextLong(Math.max(1, retry / 2 - 100)));
                if (!m.agentRunning()) {
                    return;
                }
                world.fault(m.name, "slow DCS");
                during(d.multipliedBy(2), () -> world.setDcsSlow(m.name, Optional.of(latency)),
                        () -> world.setDcsSlow(m.name, Optional.empty()));
            }
            case 7 -> {
                world.fault(m.name, "replication stalled");
                during(d, () -> m.pg.replicationStalled = true, () -> m.pg.replicationStalled = false);
            }
            case 8 -> {
                world.fault(m.name, "status unreadable");
                during(d, () -> m.pg.statusUnreadable = true, () -> m.pg.statusUnreadable = false);
            }
            case 9 -> {
                world.fault(m.name, "slow PostgreSQL status");
                during(d, () -> m.pg.observeLatency = Duration.ofMillis(500 + random.nextInt(1500)),
                        () -> m.pg.observeLatency = Duration.ZERO);
            }
            case 10 -> {
                world.fault(m.name, "peer unreachable over HTTP");
                during(d, () -> m.httpUnreachable = true, () -> m.httpUnreachable = false);
            }
            case 11 -> {
                world.fault(m.name, "leader key refused to one member");
                during(d, () -> world.setLeaderRaceBroken(m.name, true),
                        () -> world.setLeaderRaceBroken(m.name, false));
            }
            case 12 -> {
                world.fault(m.name, "cluster paused");
                during(d, () -> world.setPaused(true), () -> world.setPaused(false));
            }
            default -> switchover(members, t.loopWait());
        }
    }

    private void switchover(List<SimMember> members, Duration loopWait) {
        Optional<String> leader = world.cluster().leader().map(l -> l.name());
        if (leader.isEmpty()) {
            return;
        }
        List<String> others = new ArrayList<>();
        members.forEach(x -> {
            if (!x.name.equals(leader.get())) {
                others.add(x.name);
            }
        });
        Optional<String> candidate = random.nextBoolean() ? Optional.of(others.get(random.nextInt(others.size())))
                : Optional.empty();
        Optional<OffsetDateTime> at = Optional.empty();
        if (random.nextInt(3) == 0) {
            long offsetMs = random.nextLong(-3 * loopWait.toMillis(), 2 * loopWait.toMillis());
            at = Optional.of(OffsetDateTime.ofInstant(world.clock().now().plusMillis(offsetMs), ZoneOffset.UTC));
            world.fault(leader.get(), offsetMs < -1500 * loopWait.toMillis() / 1000 ? "stale scheduled switchover"
                    : "scheduled switchover");
        } else {
            world.fault(leader.get(), "switchover to " + candidate.orElse("any"));
        }
        SimMember old = world.member(leader.get());
        if (random.nextInt(3) == 0) {
            world.fault(leader.get(), "slow checkpoint");
            old.pg.checkpointTime = Duration.ofMillis(random.nextLong(2 * world.config().timings().ttl().toMillis()));
        }
        world.operator().writeFailover(new FailoverRequest(0, leader, candidate, at), Precondition.any());
        world.disturbed();
    }

    /** Starts a fault now and heals it after {@code d}. */
    private void during(Duration d, Runnable start, Runnable heal) {
        active++;
        start.run();
        world.disturbed();
        world.clock().add(world.clock().nanoTime() + d.toNanos(), null, () -> {
            active--;
            world.record("healed after " + d.toMillis() + " ms");
            heal.run();
            world.disturbed();
        });
    }
}
