package io.pgha.dcs.zookeeper.internal;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code zookeeper:} section, parsed and checked in one pass.
 *
 * <pre>
 * zookeeper:
 *   hosts: ["zk1:2181", "zk2:2181"]      # or "zk1:2181,zk2:2181"; default port 2181
 *   connect_timeout: 5s                  # optional; default min(retry_timeout, 10 s)
 *   use_ssl: false                       # TLS to ZooKeeper (Netty client socket)
 *   cacert: /path/ca.pem                 # PEM trust store
 *   cert: /path/client.pem               # PEM client certificate ...
 *   key: /path/client.key                # ... and its PKCS#8 PEM private key
 *   key_password: secret                 # when the key is encrypted
 *   verify: true                         # false disables host-name verification only
 *   set_acls: {"digest:user:hash": [READ, WRITE, CREATE, DELETE, ADMIN]}   # bare principal = x509
 *   auth_data: {digest: "user:password"}
 *   embedded:                            # run ZooKeeper inside the agent (see EmbeddedSettings)
 * </pre>
 *
 * @param hosts {@code host:port} entries; empty only when {@code embedded} supplies the default
 * @param connectTimeout Curator's connection timeout, empty to derive from the retry timeout
 * @param tls TLS settings, when {@code use_ssl} is on
 * @param acls ACL entries put on every znode this client creates; empty means world-open
 * @param authData {@code scheme -> credential} pairs sent after connecting
 * @param embedded the embedded server, when configured
 */
public record ZooKeeperSettings(List<String> hosts, Optional<Duration> connectTimeout, Optional<Tls> tls,
        List<AclEntry> acls, Map<String, String> authData, Optional<EmbeddedSettings> embedded) {

    static final int DEFAULT_CLIENT_PORT = 2181;
    static final Set<String> KNOWN = Set.of("hosts", "connect_timeout", "use_ssl", "cacert", "cert", "key",
            "key_password", "verify", "set_acls", "auth_data", "embedded");
    private static final Set<String> PERMISSIONS = Set.of("READ", "WRITE", "CREATE", "DELETE", "ADMIN", "ALL");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^:\\s/\\[\\]]+)(?::(\\d{1,5}))?");

    public ZooKeeperSettings {
        hosts = List.copyOf(hosts);
        acls = List.copyOf(acls);
        authData = Map.copyOf(authData);
    }

    /** TLS options, as Patroni names them. */
    public record Tls(Optional<String> cacert, Optional<String> cert, Optional<String> key,
            Optional<String> keyPassword, boolean verify) {
        @Override
        public String toString() {
            return "Tls[cacert=" + cacert + ", cert=" + cert + ", key=" + key + ", keyPassword="
                    + keyPassword.map(p -> "****") + ", verify=" + verify + "]";
        }
    }

    /** One ACL entry: {@code scheme:id} plus ZooKeeper permission names. */
    public record AclEntry(String scheme, String id, Set<String> permissions) {
        public AclEntry {
            permissions = Set.copyOf(permissions);
        }
    }

    /**
     * Reads and checks the section. Every problem is added to {@code problems} (with its key path); the returned
     * value is only meaningful when none of them is an error.
     */
    public static ZooKeeperSettings parse(ConfigSection section, List<ConfigProblem> problems) {
        section.warnUnknownKeys(KNOWN, problems);

        List<String> hosts = new ArrayList<>();
        List<String> rawHosts = section.stringList("hosts", problems);
        for (int i = 0; i < rawHosts.size(); i++) {
            String entry = rawHosts.get(i);
            String where = section.raw("hosts") instanceof List ? section.pathOf("hosts") + "[" + i + "]"
                    : section.pathOf("hosts");
            parseHostPort(entry, DEFAULT_CLIENT_PORT, where, problems).ifPresent(hosts::add);
        }

        Optional<Duration> connectTimeout = section.duration("connect_timeout", problems);
        connectTimeout.filter(d -> d.isZero()).ifPresent(d -> problems.add(ConfigProblem.error(
                section.pathOf("connect_timeout"), "must be greater than zero")));

        boolean useSsl = section.bool("use_ssl", false, problems);
        Optional<String> cacert = nonBlank(section, "cacert", problems);
        Optional<String> cert = nonBlank(section, "cert", problems);
        Optional<String> key = nonBlank(section, "key", problems);
        Optional<String> keyPassword = section.string("key_password", problems);
        boolean verify = section.bool("verify", true, problems);
        Optional<Tls> tls = Optional.empty();
        if (useSsl) {
            if (cert.isPresent() != key.isPresent()) {
                problems.add(ConfigProblem.error(section.pathOf(cert.isPresent() ? "key" : "cert"),
                        "is missing: cert and key must be given together"));
            }
            if (keyPassword.isPresent() && key.isEmpty()) {
                problems.add(ConfigProblem.warning(section.pathOf("key_password"), "ignored without key"));
            }
            tls = Optional.of(new Tls(cacert, cert, key, keyPassword, verify));
        } else {
            for (String k : List.of("cacert", "cert", "key", "key_password")) {
                if (section.has(k)) {
                    problems.add(ConfigProblem.warning(section.pathOf(k), "ignored because use_ssl is not true"));
                }
            }
        }

        List<AclEntry> acls = parseAcls(section, problems);
        Map<String, String> authData = parseAuthData(section, problems);

        Optional<EmbeddedSettings> embedded = Optional.empty();
        if (section.raw("embedded") != null || section.keys().contains("embedded")) {
            Object raw = section.raw("embedded");
            // "embedded: {}" and a bare "embedded:" (null) both mean: embedded with every default
            ConfigSection e = raw == null ? ConfigSection.empty(section.pathOf("embedded"))
                    : section.section("embedded", problems);
            if (raw == null || raw instanceof Map) {
                embedded = Optional.of(EmbeddedSettings.parse(e, problems));
            }
        }
        if (hosts.isEmpty() && embedded.isEmpty() && problems.stream().noneMatch(
                p -> p.isError() && p.path().startsWith(section.pathOf("hosts")))) {
            problems.add(ConfigProblem.error(section.pathOf("hosts"),
                    "is missing: list the ZooKeeper servers as host:port, or configure zookeeper.embedded"));
        }
        return new ZooKeeperSettings(hosts, connectTimeout, tls, acls, authData, embedded);
    }

    /** The connect string Curator is given: configured hosts, else the embedded server's client addresses. */
    public String connectString(Optional<String> embeddedFallback) {
        if (!hosts.isEmpty()) {
            return String.join(",", hosts);
        }
        return embeddedFallback.orElseThrow(() -> new IllegalStateException("no hosts and no embedded server"));
    }

    static Optional<String> parseHostPort(String entry, int defaultPort, String where, List<ConfigProblem> problems) {
        Matcher m = HOST_PORT.matcher(entry.trim());
        if (!m.matches()) {
            String hint = entry.contains("/") ? " (a chroot suffix is not supported: use namespace instead)" : "";
            problems.add(ConfigProblem.error(where, "got '" + entry + "': expected host:port" + hint));
            return Optional.empty();
        }
        int port = defaultPort;
        if (m.group(2) != null) {
            port = Integer.parseInt(m.group(2));
            if (port < 1 || port > 65535) {
                problems.add(ConfigProblem.error(where, "got port " + port + " in '" + entry
                        + "': expected 1 to 65535"));
                return Optional.empty();
            }
        }
        return Optional.of(m.group(1) + ":" + port);
    }

    private static Optional<String> nonBlank(ConfigSection section, String key, List<ConfigProblem> problems) {
        Optional<String> v = section.string(key, problems);
        if (v.isPresent() && v.get().isBlank()) {
            problems.add(ConfigProblem.error(section.pathOf(key), "is empty: expected a file path"));
            return Optional.empty();
        }
        return v;
    }

    private static List<AclEntry> parseAcls(ConfigSection section, List<ConfigProblem> problems) {
        List<AclEntry> acls = new ArrayList<>();
        if (!section.has("set_acls")) {
            return acls;
        }
        ConfigSection aclSection = section.section("set_acls", problems);
        for (String principal : aclSection.keys()) {
            String where = aclSection.pathOf(principal);
            String scheme;
            String id;
            int colon = principal.indexOf(':');
            if (colon < 0) {
                // Patroni (through kazoo) reads a principal without a scheme as an x509 subject
                scheme = "x509";
                id = principal;
            } else {
                scheme = principal.substring(0, colon);
                id = principal.substring(colon + 1);
            }
            if (scheme.isBlank() || id.isBlank()) {
                problems.add(ConfigProblem.error(where, "expected a principal as scheme:id (or an x509 subject)"));
                continue;
            }
            Object rawPerms = aclSection.raw(principal);
            if (!(rawPerms instanceof List) && !(rawPerms instanceof String)) {
                problems.add(ConfigProblem.error(where, "got " + ConfigSection.describe(rawPerms)
                        + ": expected a list of permissions (READ, WRITE, CREATE, DELETE, ADMIN, ALL)"));
                continue;
            }
            Set<String> perms = new HashSet<>();
            for (String p : aclSection.stringList(principal, problems)) {
                String upper = p.toUpperCase(Locale.ROOT);
                if (PERMISSIONS.contains(upper)) {
                    perms.add(upper);
                } else {
                    problems.add(ConfigProblem.error(where, "unknown permission '" + p
                            + "': expected READ, WRITE, CREATE, DELETE, ADMIN or ALL"));
                }
            }
            if (perms.isEmpty()) {
                problems.add(ConfigProblem.error(where, "grants no permission"));
                continue;
            }
            acls.add(new AclEntry(scheme, id, perms));
        }
        return acls;
    }

    private static Map<String, String> parseAuthData(ConfigSection section, List<ConfigProblem> problems) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!section.has("auth_data")) {
            return out;
        }
        ConfigSection auth = section.section("auth_data", problems);
        for (String scheme : auth.keys()) {
            Optional<String> credential = auth.string(scheme, problems);
            if (credential.isEmpty() && auth.raw(scheme) == null) {
                problems.add(ConfigProblem.error(auth.pathOf(scheme), "is missing: expected the credential"));
            }
            credential.ifPresent(c -> out.put(scheme, c));
        }
        return out;
    }

    @Override
    public String toString() {
        return "ZooKeeperSettings[hosts=" + hosts + ", connectTimeout=" + connectTimeout + ", tls=" + tls + ", acls="
                + acls + ", authData=" + authData.keySet() + " (credentials masked), embedded=" + embedded + "]";
    }

    /**
     * The {@code embedded:} subsection: a ZooKeeper server run inside the agent.
     *
     * <pre>
     * embedded:
     *   data_dir: /var/lib/pgha/zookeeper     # default: the plugin's state directory + /zookeeper
     *   client_address: 127.0.0.1            # address the client port binds to
     *   client_port: 2181
     *   tick_time: 500ms                      # ZooKeeper's tickTime: session expiry granularity
     *   # quorum mode: one peer per agent; the entry's position (1-based) is its server id
     *   server_id: 1
     *   peers: ["10.0.0.1:2888:3888;2181", "10.0.0.2:2888:3888;2181", "10.0.0.3:2888:3888;2181"]
     * </pre>
     *
     * A peer entry is {@code host:peerPort:electionPort}, optionally followed by {@code ;clientPort} or
     * {@code ;clientHost:clientPort} (ZooKeeper's own syntax). The client part only feeds the default
     * {@code hosts}; a peer without it is assumed to listen on {@code host:client_port}.
     *
     * @param dataDir empty means the plugin state directory's {@code zookeeper} sub-directory
     * @param clientPort this server's client port; 0 picks a free one (standalone only, for tests)
     */
    public record EmbeddedSettings(Optional<Path> dataDir, String clientAddress, int clientPort, Duration tickTime,
            int initLimit, int syncLimit, int serverId, List<Peer> peers) {

        static final Set<String> KNOWN = Set.of("data_dir", "client_address", "client_port", "tick_time",
                "init_limit", "sync_limit", "server_id", "peers");
        private static final Pattern PEER = Pattern.compile(
                "([^:;\\s]+):(\\d{1,5}):(\\d{1,5})(?:;(?:([^:;\\s]+):)?(\\d{1,5}))?");

        public EmbeddedSettings {
            peers = List.copyOf(peers);
        }

        /** One quorum member. */
        public record Peer(String host, int peerPort, int electionPort, Optional<String> clientHost,
                Optional<Integer> clientPort) {
        }

        /** Whether this server runs as a member of a multi-server ensemble. */
        public boolean isQuorum() {
            return peers.size() > 1;
        }

        static EmbeddedSettings parse(ConfigSection e, List<ConfigProblem> problems) {
            e.warnUnknownKeys(KNOWN, problems);
            Optional<Path> dataDir = Optional.empty();
            Optional<String> dd = e.string("data_dir", problems);
            if (dd.isPresent()) {
                if (dd.get().isBlank()) {
                    problems.add(ConfigProblem.error(e.pathOf("data_dir"), "is empty: expected a directory"));
                } else {
                    try {
                        dataDir = Optional.of(Path.of(dd.get()));
                    } catch (java.nio.file.InvalidPathException ex) {
                        problems.add(ConfigProblem.error(e.pathOf("data_dir"), "is not a valid path: " + ex.getMessage()));
                    }
                }
            }
            String clientAddress = e.string("client_address", "127.0.0.1", problems).trim();
            if (clientAddress.isEmpty()) {
                problems.add(ConfigProblem.error(e.pathOf("client_address"), "is empty: expected an address"));
            }
            Optional<Long> portOpt = e.integer("client_port", problems);
            long port = portOpt.orElse((long) DEFAULT_CLIENT_PORT);
            if (port < 0 || port > 65535) {
                problems.add(ConfigProblem.error(e.pathOf("client_port"), "got " + port + ": expected 0 to 65535"));
                port = DEFAULT_CLIENT_PORT;
            }
            Duration tick = e.duration("tick_time", Duration.ofMillis(500), problems);
            if (tick.toMillis() < 10 || tick.toMillis() > 10_000) {
                problems.add(ConfigProblem.error(e.pathOf("tick_time"), "got " + tick.toMillis()
                        + " ms: expected 10 ms to 10 s"));
                tick = Duration.ofMillis(500);
            }
            long initLimit = e.integer("init_limit", 10, problems);
            long syncLimit = e.integer("sync_limit", 5, problems);
            for (String k : List.of("init_limit", "sync_limit")) {
                long v = k.equals("init_limit") ? initLimit : syncLimit;
                if (v < 1 || v > 1000) {
                    problems.add(ConfigProblem.error(e.pathOf(k), "got " + v + ": expected 1 to 1000 ticks"));
                }
            }

            List<Peer> peers = new ArrayList<>();
            List<String> rawPeers = e.stringList("peers", problems);
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < rawPeers.size(); i++) {
                String where = e.raw("peers") instanceof List ? e.pathOf("peers") + "[" + i + "]" : e.pathOf("peers");
                Matcher m = PEER.matcher(rawPeers.get(i).trim());
                if (!m.matches()) {
                    problems.add(ConfigProblem.error(where, "got '" + rawPeers.get(i)
                            + "': expected host:peerPort:electionPort, optionally ;clientPort or ;clientHost:clientPort"));
                    continue;
                }
                int pp = Integer.parseInt(m.group(2));
                int ep = Integer.parseInt(m.group(3));
                Optional<Integer> cp = Optional.ofNullable(m.group(5)).map(Integer::parseInt);
                boolean ok = true;
                for (int p : cp.isPresent() ? List.of(pp, ep, cp.get()) : List.of(pp, ep)) {
                    if (p < 1 || p > 65535) {
                        problems.add(ConfigProblem.error(where, "got port " + p + ": expected 1 to 65535"));
                        ok = false;
                    }
                }
                if (pp == ep) {
                    problems.add(ConfigProblem.error(where, "peer and election ports must differ"));
                    ok = false;
                }
                if (!seen.add(m.group(1) + ":" + pp) | !seen.add(m.group(1) + ":" + ep)) {
                    problems.add(ConfigProblem.error(where, "repeats a host:port of another peer"));
                    ok = false;
                }
                if (ok) {
                    peers.add(new Peer(m.group(1), pp, ep, Optional.ofNullable(m.group(4)), cp));
                }
            }

            long serverId = 1;
            Optional<Long> sid = e.integer("server_id", problems);
            if (rawPeers.size() > 1) {
                if (sid.isEmpty() && e.raw("server_id") == null) {
                    problems.add(ConfigProblem.error(e.pathOf("server_id"),
                            "is missing: with several peers, say which one this agent is (1 to " + rawPeers.size() + ")"));
                } else if (sid.isPresent() && (sid.get() < 1 || sid.get() > rawPeers.size())) {
                    problems.add(ConfigProblem.error(e.pathOf("server_id"), "got " + sid.get()
                            + ": expected 1 to " + rawPeers.size() + " (the position of this agent in peers)"));
                } else if (sid.isPresent()) {
                    serverId = sid.get();
                }
                if (port == 0) {
                    problems.add(ConfigProblem.error(e.pathOf("client_port"), "0 (any free port) only works standalone"));
                }
                if (serverId >= 1 && serverId <= peers.size() && peers.size() == rawPeers.size()) {
                    Peer self = peers.get((int) serverId - 1);
                    if (self.clientPort().isPresent()) {
                        if (portOpt.isPresent() && portOpt.get() != self.clientPort().get().longValue()) {
                            problems.add(ConfigProblem.error(e.pathOf("client_port"), "got " + portOpt.get()
                                    + " but this agent's peer entry says client port " + self.clientPort().get()));
                        }
                        port = self.clientPort().get();
                    }
                }
            } else if (rawPeers.size() == 1) {
                problems.add(ConfigProblem.warning(e.pathOf("peers"),
                        "a single peer is a standalone server; list every peer for a quorum"));
            } else if (sid.isPresent() && sid.get() != 1) {
                problems.add(ConfigProblem.warning(e.pathOf("server_id"), "ignored without peers"));
            }
            return new EmbeddedSettings(dataDir, clientAddress, (int) port, tick, (int) initLimit, (int) syncLimit,
                    (int) serverId, peers.size() > 1 ? peers : List.of());
        }

        /** Client addresses of the whole ensemble (or of this server alone), for the default connect string. */
        public String clientConnectString(int boundClientPort) {
            if (!isQuorum()) {
                return hostForClients(clientAddress) + ":" + boundClientPort;
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < peers.size(); i++) {
                Peer p = peers.get(i);
                boolean self = i + 1 == serverId;
                int cp = p.clientPort().orElse(self ? boundClientPort : clientPort);
                String host = p.clientHost().orElse(self ? hostForClients(clientAddress) : p.host());
                out.add(host + ":" + cp);
            }
            return String.join(",", out);
        }

        private static String hostForClients(String bind) {
            return bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind;
        }
    }
}
