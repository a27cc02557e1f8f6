package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.PatroniLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One member's whole local configuration, read from Patroni's YAML format. Built by {@link ConfigLoader}; immutable.
 *
 * @param scope the cluster name
 * @param namespace the DCS namespace, normalised ({@code /service/} by default)
 * @param name this member's name, unique in the cluster
 * @param restapi the REST API
 * @param ctl how tools call members
 * @param log logging
 * @param bootstrap how a new cluster is created, and its initial dynamic configuration
 * @param postgresql the local PostgreSQL instance
 * @param watchdog the watchdog
 * @param tags this member's tags
 * @param dcs the DCS section
 * @param citus the {@code citus} section, when present
 * @param threadPoolSize the {@code thread_pool_size}, when set
 * @param fencing the fencing supervisor outside the agent (pgha's own section)
 */
public record PghaConfig(String scope, String namespace, String name, RestApiConfig restapi, CtlConfig ctl,
        LogConfig log, BootstrapConfig bootstrap, PostgresqlConfig postgresql, WatchdogConfig watchdog,
        TagsConfig tags, DcsSelection dcs, Optional<ConfigSection> citus, Optional<Integer> threadPoolSize,
        FencingConfig fencing) {

    /** Whether this member runs a fencing supervisor, which allows a ttl below Patroni's minimum. */
    public boolean fenced() {
        return fencing.supervisor() == FencingConfig.Supervisor.REQUIRED;
    }

    /** The DCS sections pgha knows without plugins (each needs its provider installed to be used). */
    public static final Set<String> BUILT_IN_DCS = Set.of("etcd", "etcd3", "consul", "zookeeper", "exhibitor",
            "kubernetes", "raft");

    /** A name Patroni reserves for strict synchronous mode. */
    static final String SYNC_PLACEHOLDER = "__patroni_strict_sync_replica_placeholder__";

    static final Set<String> KEYS = Set.of("name", "scope", "namespace", "log", "restapi", "ctl", "bootstrap", "citus",
            "postgresql", "watchdog", "tags", "thread_pool_size", "thread_stack_size", "fencing", "lifecycle");

    public PghaConfig {
        Objects.requireNonNull(scope, "scope is null");
        Objects.requireNonNull(namespace, "namespace is null");
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(restapi, "restapi is null");
        Objects.requireNonNull(ctl, "ctl is null");
        Objects.requireNonNull(log, "log is null");
        Objects.requireNonNull(bootstrap, "bootstrap is null");
        Objects.requireNonNull(postgresql, "postgresql is null");
        Objects.requireNonNull(watchdog, "watchdog is null");
        Objects.requireNonNull(tags, "tags is null");
        Objects.requireNonNull(dcs, "dcs is null");
        Objects.requireNonNull(citus, "citus is null");
        Objects.requireNonNull(threadPoolSize, "threadPoolSize is null");
        Objects.requireNonNull(fencing, "fencing is null");
    }

    /** Where this cluster's keys live, e.g. {@code /service/batman/}. */
    public String clusterPrefix() {
        return PatroniLayout.clusterPrefix(namespace, scope);
    }

    /**
     * Reads and checks a whole document. Never throws for bad input: every problem goes to {@code problems}, and
     * the result (built from defaults where values were bad) must not be used when any of them is an error.
     */
    static PghaConfig read(Map<String, Object> tree, Set<String> dcsNames, boolean strictTimings,
            List<ConfigProblem> problems) {
        ConfigSection root = new ConfigSection("", tree);
        for (String key : new TreeSet<>(root.keys())) {
            if (KEYS.contains(key) || dcsNames.contains(key)) {
                continue;
            }
            if (DynamicConfig.KEYS.contains(key)) {
                problems.add(ConfigProblem.warning(key, "is ignored here: it belongs to the dynamic configuration"
                        + " (put it under bootstrap.dcs, or change it in the DCS once the cluster exists)"));
            } else {
                problems.add(ConfigProblem.warning(key, "unknown key, ignored"));
            }
        }

        String scope = required(root, "scope", "the cluster name, the same on every member", problems);
        String name = required(root, "name", "this member's name, unique in the cluster", problems);
        if (name.equals(SYNC_PLACEHOLDER)) {
            problems.add(ConfigProblem.error("name", "is '" + name + "', a name reserved for strict synchronous mode:"
                    + " expected another member name"));
        }
        String namespace = PatroniLayout.normaliseNamespace(root.string("namespace", problems).orElse(null));

        DcsSelection dcs = dcs(root, dcsNames, problems);
        BootstrapConfig bootstrap = BootstrapConfig.read(root, strictTimings, problems);
        Set<String> standbyMethods = new HashSet<>(bootstrap.dcs().standbyCluster()
                .map(DynamicConfig.StandbyCluster::createReplicaMethods).orElse(List.of()));
        PostgresqlConfig postgresql = PostgresqlConfig.read(root, standbyMethods, problems);
        PostgresParameters.checkLocal("postgresql.parameters", postgresql.parameters(), problems);

        Optional<ConfigSection> citus = Optional.empty();
        if (root.raw("citus") != null) {
            ConfigSection c = root.section("citus", problems);
            c.warnUnknownKeys(Set.of("group", "database"), problems);
            if (c.raw("group") == null) {
                problems.add(ConfigProblem.error(c.pathOf("group"), "is missing: expected the Citus group number"
                        + " (0 for the coordinator)"));
            } else {
                Fields.atLeast(c, "group", 0, 0, problems);
            }
            c.requiredString("database", problems);
            citus = Optional.of(c);
        }
        Optional<Long> pool = root.integer("thread_pool_size", problems);
        if (pool.isPresent() && pool.get() < 5) {
            problems.add(ConfigProblem.error("thread_pool_size", "got " + pool.get() + ": expected at least 5"));
            pool = Optional.empty();
        }

        FencingConfig fencing = FencingConfig.read(root, problems);
        if (fencing.supervisor() == FencingConfig.Supervisor.OFF && bootstrap.dcs().ttl() < DynamicConfig.MIN_TTL) {
            String text = "got " + bootstrap.dcs().ttl() + ": a ttl below " + DynamicConfig.MIN_TTL + " needs the fencing "
                    + "supervisor, and fencing.supervisor is off";
            problems.add(strictTimings ? ConfigProblem.error("bootstrap.dcs.ttl", text + " (raise ttl or turn the "
                    + "supervisor on)") : ConfigProblem.warning("bootstrap.dcs.ttl", text + "; " + DynamicConfig.MIN_TTL
                    + " is used"));
        }
        return new PghaConfig(scope, namespace, name, RestApiConfig.read(root, problems), CtlConfig.read(root, problems),
                LogConfig.read(root, problems), bootstrap, postgresql, WatchdogConfig.read(root, problems),
                TagsConfig.read(root, problems), dcs, citus, pool.map(Long::intValue), fencing);
    }

    private static String required(ConfigSection root, String key, String what, List<ConfigProblem> problems) {
        Optional<String> v = root.string(key, problems);
        if (v.isEmpty() && root.raw(key) == null) {
            problems.add(ConfigProblem.error(key, "is missing: expected " + what));
        } else if (v.isPresent() && v.get().isBlank()) {
            problems.add(ConfigProblem.error(key, "is empty: expected " + what));
        }
        return v.orElse("").trim();
    }

    private static DcsSelection dcs(ConfigSection root, Set<String> dcsNames, List<ConfigProblem> problems) {
        Set<String> found = new LinkedHashSet<>();
        for (String key : root.keys()) {
            if (dcsNames.contains(key)) {
                found.add(key);
            }
        }
        if (found.isEmpty()) {
            problems.add(ConfigProblem.error("", "has no DCS section: expected exactly one of "
                    + String.join(", ", new TreeSet<>(dcsNames))));
            return new DcsSelection("none", ConfigSection.empty("none"));
        }
        List<String> names = new ArrayList<>(found);
        if (names.size() > 1) {
            for (String extra : names.subList(1, names.size())) {
                problems.add(ConfigProblem.error(extra, "is a second DCS section: the configuration has " + String.join(" and ", names)
                        + "; expected exactly one"));
            }
        }
        String chosen = names.get(0);
        if (chosen.equals("raft")) {
            problems.add(ConfigProblem.warning("raft", "the raft DCS is deprecated in Patroni; prefer etcd3"));
        }
        return new DcsSelection(chosen, root.section(chosen, problems));
    }
}
