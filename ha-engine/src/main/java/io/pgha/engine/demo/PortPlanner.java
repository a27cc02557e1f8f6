package io.pgha.engine.demo;

import io.pgha.engine.demo.PortProbe.Use;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Chooses every member's ports. REST API ports are fixed ({@code --rest-port} plus the member's index) and must be
 * free; PostgreSQL ports count up from {@code --pg-port}, skipping ports in use; ZooKeeper ports are any free ones.
 * Ports a previous run chose are kept when still free, so that a rerun looks the same.
 */
public final class PortPlanner {
    private static final int ANY_FREE_ATTEMPTS = 50;

    private final PortProbe probe;

    public PortPlanner(PortProbe probe) {
        this.probe = Objects.requireNonNull(probe, "probe is null");
    }

    /**
     * @param options what was asked for
     * @param previous the ports of the last run by member name (empty on a first run)
     * @param previousPgPortBase the {@code --pg-port} of the last run; its PostgreSQL ports are only kept when the
     *        base is unchanged
     * @return the ports by member name, in member order
     * @throws DemoException {@link DemoException#PORT_IN_USE} naming every REST API port in use, or when no port
     *         is left
     */
    public Map<String, MemberPorts> plan(DemoOptions options, Map<String, MemberPorts> previous,
            int previousPgPortBase) {
        List<String> names = options.memberNames();
        List<String> busy = new ArrayList<>();
        Set<Integer> taken = new HashSet<>();
        int[] rest = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            rest[i] = options.restPortBase() + i;
            taken.add(rest[i]);
            if (!probe.isFree(rest[i], Use.REST)) {
                busy.add(DemoPaths.HOST + ":" + rest[i] + " (REST API of " + names.get(i) + ")");
            }
        }
        if (!busy.isEmpty()) {
            throw new DemoException(DemoException.PORT_IN_USE, (busy.size() == 1 ? "port " : "ports ")
                    + String.join(", ", busy) + (busy.size() == 1 ? " is" : " are") + " in use: stop what uses "
                    + (busy.size() == 1 ? "it" : "them") + ", or choose other REST API ports with --rest-port"
                    + " (members use " + names.size() + " consecutive ports from it)");
        }

        boolean samePgBase = previousPgPortBase == options.pgPortBase();
        int[] pg = new int[names.size()];
        // first keep what the last run used, so that a member freed of its old port does not take another's
        for (int i = 0; i < names.size(); i++) {
            MemberPorts old = previous.get(names.get(i));
            if (samePgBase && old != null && reusable(old.postgres(), Use.POSTGRES, taken)) {
                pg[i] = old.postgres();
                taken.add(pg[i]);
            }
        }
        int cursor = options.pgPortBase();
        for (int i = 0; i < names.size(); i++) {
            if (pg[i] != 0) {
                continue;
            }
            while (cursor <= 65535 && (taken.contains(cursor) || !probe.isFree(cursor, Use.POSTGRES))) {
                cursor++;
            }
            if (cursor > 65535) {
                throw new DemoException(DemoException.PORT_IN_USE, "no free PostgreSQL port from "
                        + options.pgPortBase() + " up: choose another --pg-port");
            }
            pg[i] = cursor;
            taken.add(cursor++);
        }

        Map<String, MemberPorts> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            int client = 0;
            int peer = 0;
            int election = 0;
            if (options.dcs() == DemoDcs.ZOOKEEPER) {
                MemberPorts old = previous.get(names.get(i));
                client = keepOrPick(old == null ? 0 : old.zkClient(), taken);
                peer = keepOrPick(old == null ? 0 : old.zkPeer(), taken);
                election = keepOrPick(old == null ? 0 : old.zkElection(), taken);
            }
            out.put(names.get(i), new MemberPorts(rest[i], pg[i], client, peer, election));
        }
        return out;
    }

    private boolean reusable(int port, Use use, Set<Integer> taken) {
        return port > 0 && port <= 65535 && !taken.contains(port) && probe.isFree(port, use);
    }

    private int keepOrPick(int old, Set<Integer> taken) {
        if (reusable(old, Use.ZOOKEEPER, taken)) {
            taken.add(old);
            return old;
        }
        for (int attempt = 0; attempt < ANY_FREE_ATTEMPTS; attempt++) {
            int p = probe.anyFree();
            if (!taken.contains(p)) {
                taken.add(p);
                return p;
            }
        }
        throw new DemoException(DemoException.PORT_IN_USE, "cannot find free ports for ZooKeeper on "
                + DemoPaths.HOST);
    }
}
