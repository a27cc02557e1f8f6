package io.pgha.engine.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Each demo member's Patroni-format configuration: loopback addresses, the data under the base directory, short
 * timings (a demo should fail over in seconds), pg_rewind and replication slots on, and the DCS section: one embedded
 * ZooKeeper peer per member, or the given etcd servers.
 */
public final class MemberConfigs {

    /** Short enough to watch a failover happen; ttl still exceeds loop_wait + 2 * retry_timeout. */
    static final int TTL = 20;
    static final int LOOP_WAIT = 2;
    static final int RETRY_TIMEOUT = 5;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

    private final DemoOptions options;
    private final DemoPaths paths;
    private final Map<String, MemberPorts> ports;
    private final DemoSecrets secrets;

    public MemberConfigs(DemoOptions options, Map<String, MemberPorts> ports, DemoSecrets secrets) {
        this.options = Objects.requireNonNull(options, "options is null");
        this.paths = new DemoPaths(options.baseDir());
        this.ports = Map.copyOf(ports);
        this.secrets = Objects.requireNonNull(secrets, "secrets is null");
    }

    /** Member {@code name}'s configuration as a document tree. */
    public Map<String, Object> tree(String name) {
        MemberPorts me = Objects.requireNonNull(ports.get(name), () -> "no ports for member " + name);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scope", options.scope());
        root.put("name", name);

        String rest = DemoPaths.HOST + ":" + me.rest();
        root.put("restapi", map("listen", rest, "connect_address", rest));

        root.put(options.dcs().section(), dcsSection(name));

        Map<String, Object> bootstrap = new LinkedHashMap<>();
        bootstrap.put("dcs", map("ttl", TTL, "loop_wait", LOOP_WAIT, "retry_timeout", RETRY_TIMEOUT,
                "maximum_lag_on_failover", 1048576,
                "postgresql", map("use_pg_rewind", true, "use_slots", true,
                        "parameters", map("wal_log_hints", "on"))));
        bootstrap.put("initdb", List.of(map("encoding", "UTF8"), "data-checksums"));
        bootstrap.put("pg_hba", List.of(
                "local all all trust",
                "host all all " + DemoPaths.HOST + "/32 md5",
                "host replication " + DemoSecrets.REPLICATION_USER + " " + DemoPaths.HOST + "/32 md5"));
        root.put("bootstrap", bootstrap);

        String pg = DemoPaths.HOST + ":" + me.postgres();
        Map<String, Object> postgresql = new LinkedHashMap<>();
        postgresql.put("listen", pg);
        postgresql.put("connect_address", pg);
        postgresql.put("data_dir", paths.dataDir(name).toString());
        postgresql.put("authentication", map(
                "superuser", map("username", DemoSecrets.SUPERUSER, "password", secrets.superuser()),
                "replication", map("username", DemoSecrets.REPLICATION_USER, "password", secrets.replication())));
        root.put("postgresql", postgresql);
        return root;
    }

    private Map<String, Object> dcsSection(String name) {
        if (options.dcs() == DemoDcs.ETCD) {
            return map("hosts", options.etcdHosts());
        }
        MemberPorts me = ports.get(name);
        Map<String, Object> embedded = new LinkedHashMap<>();
        if (options.members() == 1) {
            // a single peer is a standalone server
            embedded.put("client_address", DemoPaths.HOST);
            embedded.put("client_port", me.zkClient());
        } else {
            List<String> peers = new ArrayList<>();
            int serverId = 0;
            // the position in peers is the server id: every member must list them in the same order
            List<String> names = options.memberNames();
            for (int i = 0; i < names.size(); i++) {
                peers.add(ports.get(names.get(i)).zkPeerEntry());
                if (names.get(i).equals(name)) {
                    serverId = i + 1;
                }
            }
            embedded.put("client_address", DemoPaths.HOST);
            embedded.put("server_id", serverId);
            embedded.put("peers", peers);
        }
        return map("embedded", embedded);
    }

    /** Member {@code name}'s configuration file. */
    public String yaml(String name) {
        try {
            return "# Written by 'pgha demo' at every start (edits are lost): the configuration of member " + name
                    + "\n# of the demo cluster '" + options.scope() + "'. Run it alone with: pgha agent "
                    + paths.config(name) + "\n" + YAML.writeValueAsString(tree(name));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the configuration of " + name, e);
        }
    }

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
