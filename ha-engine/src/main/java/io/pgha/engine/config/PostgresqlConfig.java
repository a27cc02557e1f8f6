package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The local {@code postgresql} section. Values here win over the dynamic configuration's {@code postgresql}
 * section, except {@code use_slots} and the restart-only parameters (see {@link PostgresParameters}).
 *
 * @param listen addresses and port PostgreSQL listens on (becomes {@code listen_addresses} and {@code port})
 * @param connectAddress address published as {@code conn_url}; see {@link #memberConnectAddress()}
 * @param proxyAddress address of a connection pooler in front of this member, published as {@code proxy_url}
 * @param dataDir the data directory
 * @param configDir where configuration files live, when not in the data directory
 * @param binDir directory of PostgreSQL's programs (searched in PATH when absent)
 * @param binName other names for the programs ({@code pg_ctl}, {@code initdb}, ...)
 * @param pgpass the password file the agent writes for libpq
 * @param authentication roles the agent connects as
 * @param parameters local server parameters, names lower case, values as PostgreSQL text
 * @param pgHba pg_hba.conf lines, when the agent manages that file
 * @param pgIdent pg_ident.conf lines, when the agent manages that file
 * @param callbacks commands by event ({@code on_start}, {@code on_stop}, {@code on_restart}, {@code on_reload},
 *        {@code on_role_change})
 * @param createReplicaMethods methods tried in order to create a replica ({@code [basebackup]} by default)
 * @param replicaMethodSections options of custom replica methods ({@code postgresql.<method>}), by method name
 * @param basebackup options for {@code pg_basebackup}
 * @param recoveryConf extra recovery settings for replicas
 * @param customConf a postgresql.conf to use instead of the generated base file
 * @param useUnixSocket connect locally through the Unix socket
 * @param useUnixSocketRepl replicas connect to local members through the Unix socket
 * @param usePgRewind local override of the dynamic {@code use_pg_rewind}
 * @param removeDataDirectoryOnRewindFailure wipe and re-clone when pg_rewind fails
 * @param removeDataDirectoryOnDivergedTimelines wipe and re-clone when timelines diverged
 * @param pgCtlTimeout how long pg_ctl start/stop may take (60 s)
 * @param prePromote command run before promotion; non-zero cancels it
 * @param beforeStop command run before every stop
 */
public record PostgresqlConfig(HostPort listen, Optional<HostPort> connectAddress, Optional<HostPort> proxyAddress,
        String dataDir, Optional<String> configDir, Optional<String> binDir, Map<String, String> binName,
        Optional<String> pgpass, PgAuthentication authentication, Map<String, String> parameters,
        Optional<List<String>> pgHba, Optional<List<String>> pgIdent, Map<String, String> callbacks,
        List<String> createReplicaMethods, Map<String, ConfigSection> replicaMethodSections,
        List<CommandOption> basebackup, Map<String, String> recoveryConf, Optional<String> customConf,
        boolean useUnixSocket, boolean useUnixSocketRepl, Optional<Boolean> usePgRewind,
        boolean removeDataDirectoryOnRewindFailure, boolean removeDataDirectoryOnDivergedTimelines,
        Duration pgCtlTimeout, Optional<String> prePromote, Optional<String> beforeStop) {

    /** Where PostgreSQL listens when {@code postgresql.listen} is not set. */
    public static final String DEFAULT_LISTEN = "127.0.0.1:5432";
    /** Program names {@code bin_name} may override. */
    public static final Set<String> BINARIES = Set.of("pg_ctl", "initdb", "pg_controldata", "pg_basebackup",
            "postgres", "pg_isready", "pg_rewind");
    /** Callback events. */
    public static final Set<String> CALLBACKS = Set.of("on_start", "on_stop", "on_restart", "on_reload",
            "on_role_change");
    /** pg_basebackup options the agent sets itself. */
    public static final Set<String> BASEBACKUP_FORBIDDEN = Set.of("pgdata", "format", "wal-method", "xlog-method",
            "gzip", "version", "dbname", "host", "port", "username", "password");

    static final Set<String> KEYS = Set.of("listen", "connect_address", "proxy_address", "data_dir", "config_dir",
            "bin_dir", "bin_name", "pgpass", "authentication", "parameters", "pg_hba", "pg_ident", "callbacks",
            "create_replica_methods", "create_replica_method", "basebackup", "recovery_conf", "custom_conf",
            "use_unix_socket", "use_unix_socket_repl", "use_pg_rewind", "remove_data_directory_on_rewind_failure",
            "remove_data_directory_on_diverged_timelines", "pg_ctl_timeout", "pre_promote", "before_stop");

    public PostgresqlConfig {
        Objects.requireNonNull(listen, "listen is null");
        Objects.requireNonNull(dataDir, "dataDir is null");
        Objects.requireNonNull(authentication, "authentication is null");
        binName = Map.copyOf(binName);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        callbacks = Map.copyOf(callbacks);
        createReplicaMethods = List.copyOf(createReplicaMethods);
        replicaMethodSections = Collections.unmodifiableMap(new LinkedHashMap<>(replicaMethodSections));
        basebackup = List.copyOf(basebackup);
        recoveryConf = Collections.unmodifiableMap(new LinkedHashMap<>(recoveryConf));
        Objects.requireNonNull(pgCtlTimeout, "pgCtlTimeout is null");
    }

    /** The configuration directory: {@code config_dir}, else the data directory. */
    public String effectiveConfigDir() {
        return configDir.orElse(dataDir);
    }

    /**
     * The address published in {@code conn_url}: {@code connect_address}, else the first listen host (or
     * {@code 127.0.0.1} when it listens on every interface) with the listen port.
     */
    public HostPort memberConnectAddress() {
        if (connectAddress.isPresent()) {
            return connectAddress.get();
        }
        List<String> hosts = listen.hosts();
        String host = hosts.isEmpty() || HostPort.isWildcardHost(hosts.get(0)) ? "127.0.0.1" : hosts.get(0);
        return new HostPort(host, listen.port());
    }

    /** The options section of replica method {@code name} ({@code postgresql.<name>}), empty when absent. */
    public ConfigSection replicaMethodSection(String name) {
        return replicaMethodSections.getOrDefault(name, ConfigSection.empty("postgresql." + name));
    }

    /**
     * @param otherMethodNames replica methods named elsewhere (the dynamic {@code standby_cluster}), whose sections
     *        are expected here too
     */
    static PostgresqlConfig read(ConfigSection root, Set<String> otherMethodNames, List<ConfigProblem> problems) {
        ConfigSection s = root.section("postgresql", problems);

        HostPort listen = Fields.hostPort(s, "listen", true, false, problems).orElse(null);
        if (listen == null) {
            if (s.raw("listen") == null) {
                problems.add(ConfigProblem.warning(s.pathOf("listen"), "is missing: Patroni requires it; listening on "
                        + DEFAULT_LISTEN));
            }
            listen = HostPort.parse(DEFAULT_LISTEN, true, true).value().orElseThrow();
        }
        Optional<HostPort> connect = ConnectAddresses.read(s, "connect_address", problems);
        if (connect.isEmpty() && s.raw("connect_address") == null) {
            problems.add(ConfigProblem.warning(s.pathOf("connect_address"), "is missing: Patroni requires it; members"
                    + " will be told to connect to " + new HostPort(listen.hosts().isEmpty()
                            || HostPort.isWildcardHost(listen.hosts().get(0)) ? "127.0.0.1" : listen.hosts().get(0),
                            listen.port())));
        }
        Optional<String> dir = s.string("data_dir", problems);
        if (dir.isEmpty() && s.raw("data_dir") == null) {
            problems.add(ConfigProblem.error(s.pathOf("data_dir"), "is missing: expected the path of PostgreSQL's data"
                    + " directory"));
        } else if (dir.isPresent() && dir.get().isBlank()) {
            problems.add(ConfigProblem.error(s.pathOf("data_dir"), "is empty: expected the path of PostgreSQL's data"
                    + " directory"));
        }
        String dataDir = dir.orElse("");

        Map<String, String> binName = Fields.scalarMap(s, "bin_name", false, problems);
        for (String b : binName.keySet()) {
            if (!BINARIES.contains(b)) {
                problems.add(ConfigProblem.warning(s.pathOf("bin_name") + "." + b,
                        "unknown program, ignored (known: " + String.join(", ", new java.util.TreeSet<>(BINARIES)) + ")"));
            }
        }
        Map<String, String> callbacks = Fields.scalarMap(s, "callbacks", false, problems);
        for (String c : callbacks.keySet()) {
            if (!CALLBACKS.contains(c)) {
                problems.add(ConfigProblem.warning(s.pathOf("callbacks") + "." + c,
                        "unknown callback, never run (known: " + String.join(", ", new java.util.TreeSet<>(CALLBACKS)) + ")"));
            }
        }

        String methodsKey = s.raw("create_replica_methods") != null ? "create_replica_methods" : "create_replica_method";
        if (s.raw("create_replica_methods") != null && s.raw("create_replica_method") != null) {
            problems.add(ConfigProblem.warning(s.pathOf("create_replica_method"),
                    "is ignored: create_replica_methods is also set and wins"));
        }
        List<String> methods = s.stringList(methodsKey, problems);
        if (methods.isEmpty()) {
            methods = List.of("basebackup");
        }

        Set<String> referenced = new LinkedHashSet<>(methods);
        referenced.addAll(otherMethodNames);
        Map<String, ConfigSection> sections = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : s.asMap().entrySet()) {
            String key = e.getKey();
            if (KEYS.contains(key)) {
                continue;
            }
            if (key.equals("use_slots")) {
                problems.add(ConfigProblem.warning(s.pathOf(key), "is only read from the dynamic configuration"
                        + " (bootstrap.dcs.postgresql.use_slots or the DCS config key); ignored here"));
            } else if (e.getValue() instanceof Map<?, ?> && referenced.contains(key)) {
                sections.put(key, s.section(key, problems));
            } else if (e.getValue() instanceof Map<?, ?>) {
                // kept: the dynamic configuration may name this method later
                sections.put(key, s.section(key, problems));
                problems.add(ConfigProblem.warning(s.pathOf(key), "unknown key: not a postgresql setting and not a"
                        + " method named in " + methodsKey + "; kept as replica method options"));
            } else if (referenced.contains(key)) {
                problems.add(ConfigProblem.error(s.pathOf(key), "got " + ConfigSection.describe(e.getValue())
                        + ": expected the options of replica method " + key + " as a mapping"));
            } else {
                problems.add(ConfigProblem.warning(s.pathOf(key), "unknown key, ignored"));
            }
        }
        if (s.raw("basebackup") instanceof Map<?, ?>) {
            sections.put("basebackup", s.section("basebackup", problems));
        }
        for (String m : methods) {
            if (m.isBlank()) {
                problems.add(ConfigProblem.error(s.pathOf(methodsKey), "contains an empty method name"));
            }
        }

        long ctlTimeout = Fields.atLeast(s, "pg_ctl_timeout", 60, 0, problems);
        Map<String, String> parameters = new LinkedHashMap<>();
        Fields.scalarMap(s, "parameters", true, problems)
                .forEach((k, v) -> parameters.put(k.toLowerCase(java.util.Locale.ROOT), v));

        return new PostgresqlConfig(listen, connect, ConnectAddresses.read(s, "proxy_address", problems), dataDir,
                Fields.text(s, "config_dir", problems), Fields.text(s, "bin_dir", problems), binName,
                Fields.text(s, "pgpass", problems), PgAuthentication.read(s, problems), parameters,
                Fields.lines(s, "pg_hba", problems), Fields.lines(s, "pg_ident", problems), callbacks,
                new ArrayList<>(methods), sections,
                CommandOption.parse(s.pathOf("basebackup"), s.raw("basebackup"), BASEBACKUP_FORBIDDEN, problems),
                Fields.scalarMap(s, "recovery_conf", false, problems), Fields.text(s, "custom_conf", problems),
                s.bool("use_unix_socket", false, problems), s.bool("use_unix_socket_repl", false, problems),
                s.bool("use_pg_rewind", problems), s.bool("remove_data_directory_on_rewind_failure", false, problems),
                s.bool("remove_data_directory_on_diverged_timelines", false, problems),
                Duration.ofSeconds(ctlTimeout), Fields.text(s, "pre_promote", problems),
                Fields.text(s, "before_stop", problems));
    }
}
