package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsTimings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The cluster-wide ("dynamic") configuration: {@code bootstrap.dcs} in the file until the cluster exists, then the
 * DCS {@code config} key. Every member applies the same values.
 *
 * <p>Two readers: {@link #from(Map, List)} for the DCS key at runtime, where values below a minimum and a
 * {@code ttl} that breaks the timing rule are warnings (Patroni raises and adjusts them, see
 * {@link #adjustedTimings()}, so a running cluster never stops over them), and {@link #fromFile} for a file being
 * validated, where both are errors. Either way a bad value is reported and replaced by its default, so the result is
 * always usable.
 *
 * @param ttl seconds the leader key lives without refresh (30, at least 20)
 * @param loopWait seconds between HA-loop runs (10, at least 1)
 * @param retryTimeout seconds a DCS or PostgreSQL operation may retry (10, at least 3)
 * @param maximumLagOnFailover bytes a replica may trail and still be promoted (1048576)
 * @param maximumLagOnSyncnode bytes a synchronous standby may trail before it is replaced (-1: never)
 * @param maxTimelinesHistory history entries kept (0: all)
 * @param primaryStartTimeout seconds a crashed primary may take to start before failover (300)
 * @param primaryStopTimeout seconds a stop may take in synchronous mode before it is killed (0: no limit)
 * @param synchronousMode synchronous replication mode
 * @param synchronousModeStrict never let the primary run without a synchronous standby
 * @param synchronousNodeCount synchronous standbys wanted (1)
 * @param failsafeMode keep the primary running while the DCS is down if every member agrees
 * @param checkTimeline refuse to promote a member on an older timeline
 * @param pause maintenance mode
 * @param memberSlotsTtl how long slots of vanished members are kept (30 min)
 * @param slots permanent replication slots by name
 * @param ignoreSlots slots the agent never drops
 * @param standbyCluster when present, the cluster replicates from another cluster
 * @param postgresql the dynamic {@code postgresql} section
 * @param raw the whole tree as given, unmodifiable (what is written to the DCS {@code config} key)
 */
public record DynamicConfig(int ttl, int loopWait, int retryTimeout, long maximumLagOnFailover,
        long maximumLagOnSyncnode, int maxTimelinesHistory, int primaryStartTimeout, int primaryStopTimeout,
        SynchronousMode synchronousMode, boolean synchronousModeStrict, int synchronousNodeCount,
        boolean failsafeMode, boolean checkTimeline, boolean pause, Duration memberSlotsTtl,
        Map<String, PermanentSlot> slots, List<IgnoreSlot> ignoreSlots, Optional<StandbyCluster> standbyCluster,
        Postgresql postgresql, Map<String, Object> raw) {

    /** The smallest ttl without a fencing supervisor (Patroni's minimum). */
    public static final int MIN_TTL = 20;
    /**
     * The smallest ttl at all, for members whose fencing supervisor stops PostgreSQL when the lease runs out even if
     * the agent cannot: with {@code loop_wait} 2 and {@code retry_timeout} 3 it still leaves room for a refresh at
     * the slowest DCS the loop tolerates (see the README's timing rule).
     */
    public static final int MIN_TTL_FENCED = 8;
    public static final int MIN_LOOP_WAIT = 1;
    public static final int MIN_RETRY_TIMEOUT = 3;

    /** The defaults, as when {@code bootstrap.dcs} and the DCS key are both empty. */
    public static final DynamicConfig DEFAULTS = from(Map.of(), new ArrayList<>());

    /** Keys of the dynamic configuration that a local file may not set at its top level. */
    public static final Set<String> KEYS = Set.of("ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover",
            "maximum_lag_on_syncnode", "max_timelines_history", "primary_start_timeout", "master_start_timeout",
            "primary_stop_timeout", "master_stop_timeout", "synchronous_mode", "synchronous_mode_strict",
            "synchronous_node_count", "failsafe_mode", "check_timeline", "pause", "member_slots_ttl", "slots",
            "permanent_slots", "permanent_replication_slots", "ignore_slots", "standby_cluster", "postgresql",
            "primary_race_backoff");

    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

    public DynamicConfig {
        Objects.requireNonNull(synchronousMode, "synchronousMode is null");
        Objects.requireNonNull(memberSlotsTtl, "memberSlotsTtl is null");
        slots = Collections.unmodifiableMap(new LinkedHashMap<>(slots));
        ignoreSlots = List.copyOf(ignoreSlots);
        Objects.requireNonNull(standbyCluster, "standbyCluster is null");
        Objects.requireNonNull(postgresql, "postgresql is null");
        raw = Trees.frozenMap(raw);
    }

    /** As the record's own, with credentials in {@link #raw()} masked. */
    @Override
    public String toString() {
        return "DynamicConfig[ttl=" + ttl + ", loopWait=" + loopWait + ", retryTimeout=" + retryTimeout
                + ", synchronousMode=" + synchronousMode + ", standbyCluster=" + standbyCluster.isPresent()
                + ", raw=" + Trees.masked(raw) + "]";
    }

    /** Synchronous replication mode. */
    public enum SynchronousMode {
        /** Asynchronous replication. */
        OFF,
        /** Synchronous standbys named in {@code synchronous_standby_names} by priority. */
        ON,
        /** Quorum commit ({@code ANY n (...)}). */
        QUORUM
    }

    /**
     * A permanent replication slot.
     *
     * @param name slot name
     * @param type {@code physical} or {@code logical}
     * @param database database of a logical slot
     * @param plugin output plugin of a logical slot
     * @param clusterType restrict to {@code primary} or {@code standby} clusters
     */
    public record PermanentSlot(String name, String type, Optional<String> database, Optional<String> plugin,
            Optional<String> clusterType) {
        public boolean logical() {
            return type.equals("logical");
        }
    }

    /**
     * A pattern of slots the agent leaves alone; each present field must match.
     *
     * @param name slot name
     * @param type {@code physical} or {@code logical}
     * @param database database
     * @param plugin output plugin
     */
    public record IgnoreSlot(Optional<String> name, Optional<String> type, Optional<String> database,
            Optional<String> plugin) {

        /** Whether this pattern matches the physical slot {@code slotName} (a physical slot has no database). */
        public boolean matchesPhysical(String slotName) {
            return name.map(slotName::equals).orElse(true) && type.map("physical"::equals).orElse(true)
                    && database.isEmpty() && plugin.isEmpty();
        }
    }

    /**
     * Where a standby cluster replicates from.
     *
     * @param host remote host(s), comma-separated
     * @param port remote port
     * @param primarySlotName slot to use on the remote side
     * @param createReplicaMethods how the standby leader is created
     * @param restoreCommand restore_command for archive recovery
     * @param archiveCleanupCommand archive_cleanup_command
     * @param recoveryMinApplyDelay recovery_min_apply_delay as written
     */
    public record StandbyCluster(Optional<String> host, Optional<Integer> port, Optional<String> primarySlotName,
            List<String> createReplicaMethods, Optional<String> restoreCommand, Optional<String> archiveCleanupCommand,
            Optional<String> recoveryMinApplyDelay) {
        public StandbyCluster {
            createReplicaMethods = List.copyOf(createReplicaMethods);
        }
    }

    /**
     * The dynamic {@code postgresql} section.
     *
     * @param usePgRewind allow pg_rewind (false); the local setting wins when present
     * @param useSlots use a replication slot per replica (true); only read from here
     * @param parameters server parameters, names lower case, values as PostgreSQL text
     * @param pgHba pg_hba.conf lines, when set
     * @param pgIdent pg_ident.conf lines, when set
     * @param recoveryConf extra recovery settings
     * @param other any other keys (local {@code postgresql} settings given cluster-wide), unmodifiable
     */
    public record Postgresql(boolean usePgRewind, boolean useSlots, Map<String, String> parameters,
            Optional<List<String>> pgHba, Optional<List<String>> pgIdent, Map<String, String> recoveryConf,
            Map<String, Object> other) {
        static final Set<String> KEYS = Set.of("use_pg_rewind", "use_slots", "parameters", "pg_hba", "pg_ident",
                "recovery_conf");
        /** Local-only keys Patroni strips from the dynamic section. */
        static final Set<String> LOCAL_ONLY = Set.of("connect_address", "proxy_address", "listen", "config_dir",
                "data_dir", "pgpass", "authentication");

        public Postgresql {
            parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
            recoveryConf = Collections.unmodifiableMap(new LinkedHashMap<>(recoveryConf));
            other = Trees.frozenMap(other);
        }
    }

    /**
     * Reads the DCS {@code config} key (runtime semantics). Paths of problems are relative to the key
     * ({@code ttl}, {@code postgresql.parameters.max_connections}).
     */
    public static DynamicConfig from(Map<String, Object> tree, List<ConfigProblem> problems) {
        return read(new ConfigSection("", tree), problems, false);
    }

    /** As {@link #from(Map, List)}, with problem paths under {@code path} (e.g. {@code config}). */
    public static DynamicConfig from(String path, Map<String, Object> tree, List<ConfigProblem> problems) {
        return read(new ConfigSection(path, tree), problems, false);
    }

    /**
     * Reads a file's dynamic section ({@code bootstrap.dcs}) for validation: values below their minimum and a
     * {@code ttl} shorter than {@code loop_wait + 2 * retry_timeout} are errors.
     *
     * @param path the dotted path of {@code tree} in the document, for problem paths
     */
    public static DynamicConfig fromFile(String path, Map<String, Object> tree, List<ConfigProblem> problems) {
        return read(new ConfigSection(path, tree), problems, true);
    }

    /** {@link #adjustedTimings(boolean)} for a member without a fencing supervisor. */
    public DcsTimings adjustedTimings() {
        return adjustedTimings(false);
    }

    /**
     * The DCS timings to run with: a {@code ttl} below {@link #MIN_TTL} is raised to it unless the member is
     * {@code fenced} (its fencing supervisor runs); then Patroni's automatic adjustment: if even
     * {@code 1 + 2 * retry_timeout} exceeds {@code ttl}, {@code loop_wait} becomes 1 and {@code retry_timeout}
     * {@code (ttl - 1) / 2}; else if {@code loop_wait + 2 * retry_timeout} exceeds {@code ttl}, {@code loop_wait}
     * becomes {@code ttl - 2 * retry_timeout}. Values are already at least their minimums.
     */
    public DcsTimings adjustedTimings(boolean fenced) {
        int effectiveTtl = fenced ? ttl : Math.max(ttl, MIN_TTL);
        int loop = loopWait;
        int retry = retryTimeout;
        if (MIN_LOOP_WAIT + 2 * retry > effectiveTtl) {
            loop = MIN_LOOP_WAIT;
            retry = (effectiveTtl - MIN_LOOP_WAIT) / 2;
        } else if (loop + 2 * retry > effectiveTtl) {
            loop = effectiveTtl - 2 * retry;
        }
        return new DcsTimings(Duration.ofSeconds(effectiveTtl), Duration.ofSeconds(loop), Duration.ofSeconds(retry));
    }

    /** A log line describing what {@link #adjustedTimings()} changed, empty when nothing. */
    public Optional<String> timingAdjustment() {
        return timingAdjustment(false);
    }

    /** A log line describing what {@link #adjustedTimings(boolean)} changed, empty when nothing. */
    public Optional<String> timingAdjustment(boolean fenced) {
        DcsTimings t = adjustedTimings(fenced);
        String raised = t.ttl().getSeconds() == ttl ? "" : "ttl " + ttl + " is below " + MIN_TTL + ", the minimum "
                + "without a fencing supervisor; running with ttl " + t.ttl().getSeconds() + ". ";
        if (t.loopWait().getSeconds() == loopWait && t.retryTimeout().getSeconds() == retryTimeout) {
            return raised.isEmpty() ? Optional.empty() : Optional.of(raised.trim());
        }
        return Optional.of(raised + "ttl " + t.ttl().getSeconds() + " is less than loop_wait " + loopWait
                + " + 2 * retry_timeout " + retryTimeout + " = " + (loopWait + 2 * retryTimeout)
                + "; running with loop_wait " + t.loopWait().getSeconds() + " and retry_timeout "
                + t.retryTimeout().getSeconds());
    }

    /**
     * {@code current} with {@code patch} merged over it as {@code PATCH /config} does: mappings merge key by key,
     * anything else replaces, a {@code null} removes the key. Neither argument is changed.
     */
    public static Map<String, Object> patched(Map<String, ?> current, Map<String, ?> patch) {
        Map<String, Object> out = Trees.copyMap(current);
        Trees.patch(out, patch);
        return out;
    }

    /** The effective {@code use_pg_rewind}: the local setting when present, else this one. */
    public boolean usePgRewind(PostgresqlConfig local) {
        return local.usePgRewind().orElse(postgresql.usePgRewind());
    }

    /** True when this configuration makes the cluster a standby cluster. */
    public boolean isStandbyCluster() {
        return standbyCluster.isPresent();
    }

    private static DynamicConfig read(ConfigSection s, List<ConfigProblem> problems, boolean strict) {
        for (String key : s.keys()) {
            if (!KEYS.contains(key)) {
                problems.add(ConfigProblem.warning(s.pathOf(key), "unknown key of the dynamic configuration, ignored"));
            }
        }
        int ttl = timing(s, "ttl", 30, MIN_TTL_FENCED, strict, problems);
        int loopWait = timing(s, "loop_wait", 10, MIN_LOOP_WAIT, strict, problems);
        int retryTimeout = timing(s, "retry_timeout", 10, MIN_RETRY_TIMEOUT, strict, problems);
        if (loopWait + 2 * retryTimeout > ttl) {
            String text = "ttl " + ttl + " is less than loop_wait " + loopWait + " + 2 * retry_timeout " + retryTimeout
                    + " = " + (loopWait + 2 * retryTimeout);
            if (strict) {
                problems.add(ConfigProblem.error(s.pathOf("ttl"), text + ": the leader key could expire before its"
                        + " holder refreshes it; expected ttl >= loop_wait + 2 * retry_timeout (raise ttl to "
                        + (loopWait + 2 * retryTimeout) + " or lower loop_wait or retry_timeout)"));
            } else {
                problems.add(ConfigProblem.warning(s.pathOf("ttl"), text + ": loop_wait and retry_timeout are adjusted"
                        + " automatically"));
            }
        }
        long lagOnFailover = Fields.atLeast(s, "maximum_lag_on_failover", 1_048_576L, 0, problems);
        long lagOnSyncnode = Fields.atLeast(s, "maximum_lag_on_syncnode", -1, -1, problems);
        int maxTimelines = (int) Fields.atLeast(s, "max_timelines_history", 0, 0, problems);
        int startTimeout = (int) legacy(s, "primary_start_timeout", "master_start_timeout", 300, problems);
        int stopTimeout = (int) legacy(s, "primary_stop_timeout", "master_stop_timeout", 0, problems);
        SynchronousMode syncMode = synchronousMode(s, problems);
        int syncCount = (int) Fields.atLeast(s, "synchronous_node_count", 1, 1, problems);
        Duration memberSlotsTtl = s.duration("member_slots_ttl", Duration.ofMinutes(30), problems);

        Map<String, PermanentSlot> slots = slots(s, problems);
        Postgresql postgresql = postgresql(s, problems);
        requireLogicalDecoding(s, slots, postgresql, problems);
        return new DynamicConfig(ttl, loopWait, retryTimeout, lagOnFailover, lagOnSyncnode, maxTimelines,
                startTimeout, stopTimeout, syncMode, s.bool("synchronous_mode_strict", false, problems), syncCount,
                s.bool("failsafe_mode", false, problems), s.bool("check_timeline", false, problems),
                s.bool("pause", false, problems), memberSlotsTtl, slots, ignoreSlots(s, problems),
                standbyCluster(s, problems), postgresql, s.asMap());
    }

    private static int timing(ConfigSection s, String key, int fallback, int min, boolean strict,
            List<ConfigProblem> problems) {
        Optional<Long> v = s.integer(key, problems);
        if (v.isEmpty()) {
            return fallback;
        }
        if (v.get() < min) {
            if (strict) {
                problems.add(ConfigProblem.error(s.pathOf(key), "got " + v.get() + ": expected a whole number of seconds, at least " + min));
            } else {
                problems.add(ConfigProblem.warning(s.pathOf(key), "got " + v.get() + ": below the minimum of " + min
                        + " seconds; " + min + " is used"));
            }
            return min;
        }
        return (int) Math.min(v.get(), Integer.MAX_VALUE / 4);
    }

    private static long legacy(ConfigSection s, String key, String oldKey, long fallback, List<ConfigProblem> problems) {
        if (s.raw(key) != null) {
            if (s.raw(oldKey) != null) {
                problems.add(ConfigProblem.warning(s.pathOf(oldKey), "is ignored: " + key + " is also set and wins"));
            }
            return Fields.atLeast(s, key, fallback, 0, problems);
        }
        return Fields.atLeast(s, oldKey, fallback, 0, problems);
    }

    private static SynchronousMode synchronousMode(ConfigSection s, List<ConfigProblem> problems) {
        Object raw = s.raw("synchronous_mode");
        if (raw == null) {
            return SynchronousMode.OFF;
        }
        if (raw instanceof String text && text.trim().toLowerCase(Locale.ROOT).equals("quorum")) {
            return SynchronousMode.QUORUM;
        }
        Optional<Boolean> b = ConfigSection.parseBoolean(raw);
        if (b.isEmpty()) {
            problems.add(ConfigProblem.error(s.pathOf("synchronous_mode"),
                    "got " + ConfigSection.describe(raw) + ": expected on, off or quorum (true/false also accepted)"));
            return SynchronousMode.OFF;
        }
        return b.get() ? SynchronousMode.ON : SynchronousMode.OFF;
    }

    private static Map<String, PermanentSlot> slots(ConfigSection s, List<ConfigProblem> problems) {
        String key = s.raw("slots") != null ? "slots"
                : s.raw("permanent_slots") != null ? "permanent_slots" : "permanent_replication_slots";
        ConfigSection slots = s.section(key, problems);
        Map<String, PermanentSlot> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : slots.asMap().entrySet()) {
            String name = e.getKey();
            String path = slots.pathOf(name);
            if (!SLOT_NAME.matcher(name).matches()) {
                problems.add(ConfigProblem.error(path, "is not a valid slot name: expected 1 to 63 characters from"
                        + " a-z, 0-9 and _"));
                continue;
            }
            if (e.getValue() != null && !(e.getValue() instanceof Map<?, ?>)) {
                problems.add(ConfigProblem.error(path, "got " + ConfigSection.describe(e.getValue())
                        + ": expected a mapping with type (physical or logical), database and plugin"));
                continue;
            }
            ConfigSection slot = slots.section(name, problems);
            slot.warnUnknownKeys(Set.of("type", "database", "plugin", "cluster_type"), problems);
            String type = Fields.oneOf(slot, "type", List.of("physical", "logical"), problems).orElse("physical");
            Optional<String> database = Fields.text(slot, "database", problems);
            Optional<String> plugin = Fields.text(slot, "plugin", problems);
            Optional<String> clusterType = Fields.oneOf(slot, "cluster_type", List.of("primary", "standby"), problems);
            if (type.equals("logical") && (database.isEmpty() || plugin.isEmpty())) {
                problems.add(ConfigProblem.error(path, "is a logical slot without "
                        + (database.isEmpty() ? "database" : "plugin") + ": expected both database and plugin"));
                continue;
            }
            out.put(name, new PermanentSlot(name, type, database, plugin, clusterType));
        }
        return out;
    }

    /**
     * A permanent logical slot needs logical WAL on every member, and hot_standby_feedback on the standbys that keep
     * its copy (else the primary may vacuum catalog rows the copy still needs, and it breaks after a failover). pgha
     * does not change these behind the operator's back: the cluster-wide parameters must say so.
     */
    private static void requireLogicalDecoding(ConfigSection s, Map<String, PermanentSlot> slots, Postgresql pg,
            List<ConfigProblem> problems) {
        Optional<PermanentSlot> logical = slots.values().stream().filter(PermanentSlot::logical).findFirst();
        if (logical.isEmpty()) {
            return;
        }
        String where = "postgresql.parameters";
        if (!"logical".equalsIgnoreCase(pg.parameters().getOrDefault("wal_level", ""))) {
            problems.add(ConfigProblem.error(where + ".wal_level", "is '" + pg.parameters().getOrDefault("wal_level",
                    "replica") + "': the permanent logical slot " + logical.get().name() + " needs wal_level: logical"));
        }
        String feedback = pg.parameters().getOrDefault("hot_standby_feedback", "off").toLowerCase(java.util.Locale.ROOT);
        if (!List.of("on", "true", "yes", "1").contains(feedback)) {
            problems.add(ConfigProblem.error(where + ".hot_standby_feedback", "is '" + feedback + "': the standbys'"
                    + " copies of the permanent logical slot " + logical.get().name() + " need hot_standby_feedback: on"
                    + " (else the primary may remove catalog rows they still need)"));
        }
    }

    private static List<IgnoreSlot> ignoreSlots(ConfigSection s, List<ConfigProblem> problems) {
        Object raw = s.raw("ignore_slots");
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof List<?> list)) {
            problems.add(ConfigProblem.error(s.pathOf("ignore_slots"), "got " + ConfigSection.describe(raw)
                    + ": expected a list of mappings with name, type, database and/or plugin"));
            return List.of();
        }
        List<IgnoreSlot> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String path = s.pathOf("ignore_slots") + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                problems.add(ConfigProblem.error(path, "got " + ConfigSection.describe(list.get(i))
                        + ": expected a mapping with name, type, database and/or plugin"));
                continue;
            }
            Map<String, Object> item = new LinkedHashMap<>();
            m.forEach((k, v) -> item.put(String.valueOf(k), v));
            ConfigSection c = new ConfigSection(path, item);
            c.warnUnknownKeys(Set.of("name", "type", "database", "plugin"), problems);
            out.add(new IgnoreSlot(Fields.text(c, "name", problems), Fields.text(c, "type", problems),
                    Fields.text(c, "database", problems), Fields.text(c, "plugin", problems)));
        }
        return out;
    }

    private static Optional<StandbyCluster> standbyCluster(ConfigSection s, List<ConfigProblem> problems) {
        if (s.raw("standby_cluster") == null) {
            return Optional.empty();
        }
        ConfigSection c = s.section("standby_cluster", problems);
        if (!(s.raw("standby_cluster") instanceof Map<?, ?>)) {
            return Optional.empty();
        }
        c.warnUnknownKeys(Set.of("host", "port", "primary_slot_name", "create_replica_methods", "restore_command",
                "archive_cleanup_command", "recovery_min_apply_delay"), problems);
        Optional<String> host = Fields.text(c, "host", problems);
        Optional<Integer> port = c.raw("port") == null || "".equals(c.raw("port")) ? Optional.empty()
                : Optional.of((int) Fields.between(c, "port", 5432, 1, 65535, problems));
        Optional<String> restore = Fields.text(c, "restore_command", problems);
        if (host.isEmpty() && restore.isEmpty()) {
            if (!c.asMap().isEmpty()) {
                problems.add(ConfigProblem.error(c.path(), "has neither host nor restore_command: expected at"
                        + " least one of them to say where the standby cluster replicates from"
                        + (port.isPresent() ? " (port alone names no server)" : "")));
            }
            return Optional.empty();
        }
        return Optional.of(new StandbyCluster(host, port, Fields.text(c, "primary_slot_name", problems),
                c.stringList("create_replica_methods", problems), restore,
                Fields.text(c, "archive_cleanup_command", problems), Fields.text(c, "recovery_min_apply_delay", problems)));
    }

    private static Postgresql postgresql(ConfigSection s, List<ConfigProblem> problems) {
        ConfigSection p = s.section("postgresql", problems);
        Map<String, Object> other = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : p.asMap().entrySet()) {
            String key = e.getKey();
            if (Postgresql.KEYS.contains(key)) {
                continue;
            }
            if (Postgresql.LOCAL_ONLY.contains(key)) {
                problems.add(ConfigProblem.warning(p.pathOf(key), "is ignored in the dynamic configuration: only the"
                        + " local postgresql section may set it"));
                continue;
            }
            if (!PostgresqlConfig.KEYS.contains(key)) {
                problems.add(ConfigProblem.warning(p.pathOf(key), "unknown key of the dynamic postgresql section, kept"));
            }
            other.put(key, e.getValue());
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        Fields.scalarMap(p, "parameters", true, problems)
                .forEach((k, v) -> parameters.put(k.toLowerCase(Locale.ROOT), v));
        PostgresParameters.checkDynamic(p.pathOf("parameters"), parameters, problems);
        return new Postgresql(p.bool("use_pg_rewind", false, problems), p.bool("use_slots", true, problems),
                parameters, Fields.lines(p, "pg_hba", problems), Fields.lines(p, "pg_ident", problems),
                Fields.scalarMap(p, "recovery_conf", false, problems), other);
    }
}
