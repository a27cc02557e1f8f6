package io.pgha.engine.ha.sim;

import io.pgha.engine.ha.Ha;
import io.pgha.engine.ha.LeaseGuard;
import io.pgha.engine.ha.MemberIdentity;
import io.pgha.spi.dcs.DcsClient;
import java.util.Map;

/**
 * One simulated member: a PostgreSQL server that outlives its agent, and the agent itself — the real {@link Ha}
 * decision tree and {@link LeaseGuard}, on the world's clock, DCS and network.
 */
public final class SimMember {
    final String name;
    final Map<String, Object> tags;
    final SimPostgres pg;
    final int index;

    Ha ha;
    LeaseGuard guard;
    /** The kernel watchdog its next agent uses. */
    io.pgha.engine.ha.Watchdog watchdog = io.pgha.engine.ha.Watchdog.NONE;
    SimThread thread;
    SimDcsClient dcs;
    boolean frozen;
    /** Cut off from the other members' HTTP probes (the agent still reaches the DCS). */
    boolean httpUnreachable;
    long nextCycleAt;
    /** Cycles this member's agents completed. */
    long cycles;
    String lastDecision = "";

    SimMember(String name, int index, Map<String, Object> tags, SimPostgres pg) {
        this.name = name;
        this.index = index;
        this.tags = Map.copyOf(tags);
        this.pg = pg;
    }

    /** The agent's decision tree (null while the agent is down). */
    public Ha ha() {
        return ha;
    }

    /** Whether its PostgreSQL accepts writes now. */
    public boolean acceptsWrites() {
        return pg.writable();
    }

    /** Stops its PostgreSQL as the fencing guard would. */
    public void fencePostgres() {
        pg.fence();
    }

    boolean agentAlive() {
        return ha != null;
    }

    /** Runs its loop: alive and not frozen. */
    boolean agentRunning() {
        return ha != null && !frozen;
    }

    /** In the middle of a cycle (waiting for a call to complete). */
    boolean inCycle() {
        return thread != null && thread.busy();
    }

    MemberIdentity identity(String scope) {
        return new MemberIdentity(name, scope, "postgres://127.0.0.1:" + (5432 + index) + "/postgres",
                "http://127.0.0.1:" + (8008 + index) + "/patroni", tags);
    }

    DcsClient dcs() {
        return dcs;
    }

    @Override
    public String toString() {
        return name + (ha == null ? " (agent down)" : frozen ? " (agent frozen)" : "") + " " + pg;
    }
}
