package io.pgha.engine.demo;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What a run leaves for the next one in {@code demo.properties}: the cluster's shape (which a rerun must match, since
 * the data belongs to it) and the ports chosen (reused when free, so a rerun looks the same).
 *
 * @param scope the cluster name
 * @param dcs the DCS
 * @param members the member count
 * @param pgPortBase {@code --pg-port} of that run
 * @param ports every member's ports, by name
 */
public record DemoState(String scope, DemoDcs dcs, int members, int pgPortBase, Map<String, MemberPorts> ports) {

    public DemoState {
        ports = Map.copyOf(ports);
    }

    /** The state in {@code file}; empty when there is none. */
    public static Optional<DemoState> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new DemoException(DemoException.INVALID, "cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            String scope = required(p, "scope");
            DemoDcs dcs = DemoDcs.parse(required(p, "dcs")).orElseThrow(
                    () -> new IllegalArgumentException("unknown dcs '" + p.getProperty("dcs") + "'"));
            int members = Integer.parseInt(required(p, "members"));
            int pgBase = Integer.parseInt(required(p, "pg_port_base"));
            Map<String, MemberPorts> ports = new LinkedHashMap<>();
            for (int i = 1; i <= members; i++) {
                String n = DemoOptions.memberName(i);
                ports.put(n, new MemberPorts(port(p, n + ".rest_port"), port(p, n + ".pg_port"),
                        port(p, n + ".zk_client_port"), port(p, n + ".zk_peer_port"),
                        port(p, n + ".zk_election_port")));
            }
            return Optional.of(new DemoState(scope, dcs, members, pgBase, ports));
        } catch (IllegalArgumentException e) {
            throw new DemoException(DemoException.INVALID, file + " is damaged (" + e.getMessage()
                    + "): remove the base directory " + file.getParent() + " to start a new demo cluster", e);
        }
    }

    /** Writes the state to {@code file} (replacing it). */
    public void write(Path file) {
        Properties p = new Properties();
        p.setProperty("scope", scope);
        p.setProperty("dcs", dcs.optionValue());
        p.setProperty("members", Integer.toString(members));
        p.setProperty("pg_port_base", Integer.toString(pgPortBase));
        ports.forEach((name, m) -> {
            p.setProperty(name + ".rest_port", Integer.toString(m.rest()));
            p.setProperty(name + ".pg_port", Integer.toString(m.postgres()));
            p.setProperty(name + ".zk_client_port", Integer.toString(m.zkClient()));
            p.setProperty(name + ".zk_peer_port", Integer.toString(m.zkPeer()));
            p.setProperty(name + ".zk_election_port", Integer.toString(m.zkElection()));
        });
        StringWriter w = new StringWriter();
        try {
            p.store(w, "pgha demo: the cluster in this directory; ports are reused by the next run when free");
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, w.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Why the data in this directory does not fit {@code options}; empty when it does. The data belongs to a cluster
     * of this shape: changing it would leave members without data or an ensemble without its peers.
     */
    public List<String> mismatches(DemoOptions options) {
        List<String> out = new ArrayList<>();
        if (!scope.equals(options.scope())) {
            out.add("--scope " + scope + " (not " + options.scope() + ")");
        }
        if (dcs != options.dcs()) {
            out.add("--dcs " + dcs.optionValue() + " (not " + options.dcs().optionValue() + ")");
        }
        if (members != options.members()) {
            out.add("--members " + members + " (not " + options.members() + ")");
        }
        return out;
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(key + " is missing");
        }
        return v.trim();
    }

    private static int port(Properties p, String key) {
        String v = p.getProperty(key, "0").trim();
        int port = Integer.parseInt(v);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(key + " is not a port: " + v);
        }
        return port;
    }
}
