package io.pgha.engine.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL pgha runs against one server. Every call is bounded: opening a connection by the connector's connect
 * timeout, every read by its socket timeout, and waiting for the shared connection by the same timeout, so a stuck
 * server makes calls fail with {@link PostgresException} ({@code POSTGRES_UNAVAILABLE} when no connection could be
 * had, {@code POSTGRES_QUERY_FAILED} when a statement failed) instead of hanging the caller.
 *
 * <p>Short queries share one connection, opened on first use and reopened after any error. Operations that may
 * legitimately take long (CHECKPOINT, promotion) use a connection of their own with their own timeout, so they never
 * hold up the status queries. Thread-safe.
 */
public final class PostgresSql implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresSql.class);

    private final SqlConnector connector;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection shared;

    public PostgresSql(SqlConnector connector) {
        this.connector = Objects.requireNonNull(connector, "connector is null");
    }

    public SqlConnector connector() {
        return connector;
    }

    /** Work done with a connection. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} on the shared connection (opening it if needed). Any {@link SQLException} closes the
     * connection, so the next call starts afresh.
     */
    public <T> T withConnection(String what, SqlWork<T> work) {
        boolean locked;
        try {
            locked = lock.tryLock(connector.socketTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException(PostgresException.UNAVAILABLE, what + ": interrupted");
        }
        if (!locked) {
            throw new PostgresException(PostgresException.UNAVAILABLE,
                    what + ": the connection to " + connector + " is busy with another statement");
        }
        try {
            if (shared == null || shared.isClosed()) {
                shared = open(what);
            }
            return work.apply(shared);
        } catch (SQLException e) {
            closeShared();
            throw failure(what, e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} on a connection of its own whose reads may block up to {@code timeout}. */
    public <T> T withOwnConnection(String what, Duration timeout, SqlWork<T> work) {
        SqlConnector c = connector.withSocketTimeout(timeout);
        Connection connection;
        try {
            connection = c.open();
        } catch (SQLException e) {
            throw new PostgresException(PostgresException.UNAVAILABLE,
                    what + ": cannot connect to " + c + ": " + oneLine(e), e);
        }
        try (connection) {
            return work.apply(connection);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private Connection open(String what) {
        try {
            Connection c = connector.open();
            c.setAutoCommit(true);
            return c;
        } catch (SQLException e) {
            throw new PostgresException(PostgresException.UNAVAILABLE,
                    what + ": cannot connect to " + connector + ": " + oneLine(e), e);
        }
    }

    private PostgresException failure(String what, SQLException e) {
        // 08xxx: connection exceptions (including the socket timeout, which closes the connection)
        boolean connection = e.getSQLState() != null && e.getSQLState().startsWith("08");
        return new PostgresException(connection ? PostgresException.UNAVAILABLE : PostgresException.QUERY_FAILED,
                what + " on " + connector + " failed: " + oneLine(e), e);
    }

    static String oneLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    private void closeShared() {
        if (shared != null) {
            try {
                shared.close();
            } catch (SQLException e) {
                LOG.debug("closing a failed connection: {}", e.toString());
            }
            shared = null;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closeShared();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- status

    private static final String STATUS_QUERY = """
            SELECT pg_catalog.pg_is_in_recovery(),
                   CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
                        ELSE pg_catalog.pg_current_wal_flush_lsn()::text END,
                   pg_catalog.pg_last_wal_receive_lsn()::text,
                   pg_catalog.pg_last_wal_replay_lsn()::text,
                   pg_catalog.pg_last_xact_replay_timestamp(),
                   CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused() ELSE false END,
                   CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
                        ELSE ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(
                             pg_catalog.pg_current_wal_flush_lsn()), 1, 8))::bit(32)::int END,
                   (pg_catalog.pg_control_checkpoint()).timeline_id,
                   pg_catalog.pg_postmaster_start_time(),
                   pg_catalog.current_setting('server_version_num')::int,
                   r.status, r.received_tli, r.flushed_lsn::text, r.latest_end_lsn::text,
                   r.sender_host, r.sender_port, r.slot_name,
                   (pg_catalog.pg_control_system()).system_identifier::text,
                   pg_catalog.pg_conf_load_time()
              FROM (SELECT 1) AS one
              LEFT JOIN pg_catalog.pg_stat_wal_receiver AS r ON true""";

    /**
     * Role, WAL positions, timeline, start time, version, system identifier and WAL receiver, in one query. This and
     * the other queries of every cycle are prepared statements: the driver parses a plain statement's text on every
     * execution, a prepared one once per connection (and the server plans it once after a few runs).
     */
    public ServerStatus status() {
        return withConnection("reading the server status", c -> {
            try (PreparedStatement st = c.prepareStatement(STATUS_QUERY); ResultSet rs = st.executeQuery()) {
                rs.next();
                boolean inRecovery = rs.getBoolean(1);
                Optional<ServerStatus.WalReceiverStatus> receiver = Optional.empty();
                if (rs.getString(11) != null) {
                    receiver = Optional.of(new ServerStatus.WalReceiverStatus(rs.getString(11), rs.getLong(12),
                            lsn(rs.getString(13)), lsn(rs.getString(14)), Optional.ofNullable(rs.getString(15)),
                            rs.getInt(16), Optional.ofNullable(rs.getString(17))));
                }
                long timeline;
                if (!inRecovery) {
                    timeline = rs.getLong(7);
                } else {
                    timeline = receiver.map(ServerStatus.WalReceiverStatus::receivedTimeline).filter(t -> t > 0)
                            .orElse(rs.getLong(8));
                }
                return new ServerStatus(inRecovery, lsn(rs.getString(2)), lsn(rs.getString(3)), lsn(rs.getString(4)),
                        instant(rs.getTimestamp(5)), rs.getBoolean(6), timeline,
                        rs.getTimestamp(9).toInstant(), rs.getInt(10), receiver, rs.getString(18),
                        rs.getTimestamp(19).toInstant());
            }
        });
    }

    /** {@code pg_is_in_recovery()}. */
    public boolean isInRecovery() {
        return withConnection("asking whether the server is in recovery", c -> {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_is_in_recovery()")) {
                rs.next();
                return rs.getBoolean(1);
            }
        });
    }

    /** The standbys streaming from this server ({@code pg_stat_replication}), by application name. */
    public List<ReplicationConnection> replication() {
        return withConnection("reading pg_stat_replication", c -> {
            List<ReplicationConnection> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT pid, usename, application_name, host(client_addr), state, sync_state, sync_priority,
                           sent_lsn::text, write_lsn::text, flush_lsn::text, replay_lsn::text
                      FROM pg_catalog.pg_stat_replication ORDER BY application_name, pid""");
                    ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new ReplicationConnection(rs.getLong(1), nz(rs.getString(2)), nz(rs.getString(3)),
                            Optional.ofNullable(rs.getString(4)), nz(rs.getString(5)), nz(rs.getString(6)),
                            rs.getInt(7), lsn(rs.getString(8)), lsn(rs.getString(9)), lsn(rs.getString(10)),
                            lsn(rs.getString(11))));
                }
            }
            return out;
        });
    }

    /**
     * Parameters that changed in the configuration files but need a restart, with the running and the configured
     * value. Only meaningful once the server has processed the reload that read the files.
     */
    public Map<String, PendingChange> pendingRestart() {
        return withConnection("reading pending_restart", c -> {
            Map<String, PendingChange> out = new TreeMap<>();
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT s.name, pg_catalog.current_setting(s.name),
                           COALESCE((SELECT f.setting FROM pg_catalog.pg_file_settings f
                                      WHERE f.name = s.name ORDER BY f.seqno DESC LIMIT 1), s.boot_val)
                      FROM pg_catalog.pg_settings s WHERE s.pending_restart"""); ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new PendingChange(nz(rs.getString(2)), nz(rs.getString(3))));
                }
            }
            return out;
        });
    }

    /** Asks the postmaster to re-read its configuration ({@code pg_reload_conf()}). */
    public void reloadConfiguration() {
        withConnection("reloading the configuration", c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_catalog.pg_reload_conf()");
            }
            return null;
        });
    }

    /** Runs CHECKPOINT on a connection of its own, waiting at most {@code timeout}. */
    public void checkpoint(Duration timeout) {
        withOwnConnection("CHECKPOINT", timeout, c -> {
            try (Statement st = c.createStatement()) {
                st.execute("CHECKPOINT");
            }
            return null;
        });
    }

    /**
     * Promotes this standby with {@code pg_promote(wait => true)}: returns {@code true} once it accepts writes,
     * {@code false} when it did not finish within {@code wait} (the promotion goes on).
     */
    public boolean promote(Duration wait) {
        int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (wait.toMillis() + 999) / 1000));
        return withOwnConnection("promoting", wait.plusSeconds(5), c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT pg_catalog.pg_promote(true, ?)")) {
                st.setInt(1, seconds);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
    }

    // ---------------------------------------------------------------- slots

    /** {@code pg_replication_slots}, by name. */
    public List<ReplicationSlot> replicationSlots() {
        return withConnection("listing replication slots", c -> {
            List<ReplicationSlot> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT slot_name, slot_type, active, restart_lsn::text, database, plugin
                      FROM pg_catalog.pg_replication_slots ORDER BY slot_name"""); ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new ReplicationSlot(rs.getString(1), "physical".equals(rs.getString(2)), rs.getBoolean(3),
                            lsn(rs.getString(4)), Optional.ofNullable(rs.getString(5)),
                            Optional.ofNullable(rs.getString(6))));
                }
            }
            return out;
        });
    }

    /** Creates a physical slot that reserves WAL at once; {@code false} when it already existed. */
    /**
     * Moves the physical slot {@code name} forward to {@code target}; on a standby PostgreSQL stops at what it has
     * replayed.
     *
     * @return the slot's position afterwards
     */
    public Lsn advanceSlot(String name, Lsn target) {
        requireSlotName(name);
        return withConnection("advancing replication slot " + name, c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT end_lsn::text FROM pg_catalog.pg_replication_slot_advance(?, ?::pg_lsn)")) {
                st.setString(1, name);
                st.setString(2, target.toString());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return lsn(rs.getString(1)).orElse(target);
                }
            }
        });
    }

    /** One logical slot: where it lives and how far its consumer confirmed. */
    public record LogicalSlot(String name, String database, String plugin, Optional<Lsn> confirmedFlush) {
    }

    /** The logical slots of this server, by name. */
    public Map<String, LogicalSlot> logicalSlots() {
        return withConnection("listing logical replication slots", c -> {
            Map<String, LogicalSlot> out = new java.util.TreeMap<>();
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT slot_name, database, plugin, confirmed_flush_lsn::text
                      FROM pg_catalog.pg_replication_slots WHERE slot_type = 'logical'""");
                    ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new LogicalSlot(rs.getString(1), rs.getString(2), rs.getString(3),
                            lsn(rs.getString(4))));
                }
            }
            return out;
        });
    }

    /**
     * Creates the logical slot {@code name} with {@code plugin} in the database this connection is to, unless a slot of
     * that name exists.
     *
     * @return whether it was created
     */
    public boolean createLogicalSlot(String name, String plugin) {
        requireSlotName(name);
        return withConnection("creating logical replication slot " + name, c -> {
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT pg_catalog.pg_create_logical_replication_slot(?, ?)
                     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?)""")) {
                st.setString(1, name);
                st.setString(2, plugin);
                st.setString(3, name);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** The on-disk state of the slot {@code name} ({@code pg_replslot/<name>/state}), as a standby's copy needs it. */
    public byte[] slotStateFile(String name) {
        requireSlotName(name);
        return withConnection("reading the state of replication slot " + name, c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT pg_catalog.pg_read_binary_file(?)")) {
                st.setString(1, "pg_replslot/" + name + "/state");
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getBytes(1);
                }
            }
        });
    }

    public boolean createPhysicalSlot(String name) {
        requireSlotName(name);
        return withConnection("creating replication slot " + name, c -> {
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT pg_catalog.pg_create_physical_replication_slot(?, true)
                     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?)""")) {
                st.setString(1, name);
                st.setString(2, name);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** Drops a slot that no connection uses; {@code false} when it does not exist or is in use. */
    public boolean dropSlot(String name) {
        return withConnection("dropping replication slot " + name, c -> {
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT pg_catalog.pg_drop_replication_slot(slot_name)
                      FROM pg_catalog.pg_replication_slots WHERE slot_name = ? AND NOT active""")) {
                st.setString(1, name);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /**
     * Creates the physical slots in {@code wanted} that are missing (the leader keeps one per member that streams from
     * it), and drops the physical slots in {@code droppable} that are not in use. Every other slot, logical or
     * physical, is left alone: it may be a backup tool's or a consumer's. A failure on one slot does not stop the
     * others.
     *
     * @throws PostgresException when the slots cannot even be listed
     */
    public SlotSyncResult syncPhysicalSlots(Set<String> wanted, Set<String> droppable) {
        Map<String, String> failed = new LinkedHashMap<>();
        for (String name : wanted) {
            if (!ReplicationSlot.isValidName(name)) {
                failed.put(name, "not a valid slot name (expected 1 to 63 of a-z, 0-9 and _)");
            }
        }
        List<ReplicationSlot> existing = replicationSlots();
        List<String> created = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        List<String> keptActive = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(wanted)) {
            if (failed.containsKey(name) || existing.stream().anyMatch(s -> s.name().equals(name))) {
                continue;
            }
            try {
                if (createPhysicalSlot(name)) {
                    created.add(name);
                }
            } catch (PostgresException e) {
                failed.put(name, e.getMessage());
            }
        }
        for (ReplicationSlot slot : existing) {
            if (!slot.physical() || wanted.contains(slot.name()) || !droppable.contains(slot.name())) {
                continue;
            }
            if (slot.active()) {
                keptActive.add(slot.name());
                continue;
            }
            try {
                if (dropSlot(slot.name())) {
                    dropped.add(slot.name());
                } else {
                    keptActive.add(slot.name());
                }
            } catch (PostgresException e) {
                failed.put(slot.name(), e.getMessage());
            }
        }
        return new SlotSyncResult(created, dropped, keptActive, failed);
    }

    private static void requireSlotName(String name) {
        if (!ReplicationSlot.isValidName(name)) {
            throw new PostgresException(PostgresException.INVALID_CONFIGURATION,
                    "'" + name + "' is not a valid replication slot name (expected 1 to 63 of a-z, 0-9 and _)");
        }
    }

    // ---------------------------------------------------------------- roles

    /** What a role is created or altered with. */
    public enum RoleKind {
        /** {@code SUPERUSER LOGIN}. */
        SUPERUSER("SUPERUSER LOGIN"),
        /** {@code REPLICATION LOGIN}: streams WAL and takes base backups. */
        REPLICATION("REPLICATION LOGIN"),
        /** {@code LOGIN}: a plain role, such as the pg_rewind user. */
        LOGIN("LOGIN");

        private final String options;

        RoleKind(String options) {
            this.options = options;
        }
    }

    /**
     * Creates the role, or alters it when it exists, with {@code kind}'s options and the password when given. The
     * statement is kept out of the server log ({@code log_statement} and friends off for the transaction) because it
     * holds the password, and commits locally even when synchronous replication is configured.
     */
    public void createOrUpdateRole(String name, Optional<String> password, RoleKind kind) {
        withConnection("creating or updating role " + name, c -> {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit TO 'local'");
                st.execute("SET LOCAL log_statement TO 'none'");
                st.execute("SET LOCAL log_min_duration_statement TO -1");
                st.execute("SET LOCAL log_min_error_statement TO 'panic'");
                boolean exists;
                try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?")) {
                    q.setString(1, name);
                    try (ResultSet rs = q.executeQuery()) {
                        exists = rs.next();
                    }
                }
                String sql = (exists ? "ALTER ROLE " : "CREATE ROLE ") + quoteIdentifier(name) + " WITH " + kind.options
                        + password.map(p -> " PASSWORD " + quoteLiteral(p)).orElse("");
                st.execute(sql);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            return null;
        });
    }

    /**
     * Creates (or updates) a login role with the given attributes, for {@code bootstrap.users}.
     *
     * @param attributes role attributes such as {@code CREATEDB}; each must be a plain upper-case keyword
     */
    public void createUser(String name, Optional<String> password, List<String> attributes) {
        for (String a : attributes) {
            if (!a.matches("[A-Z]+")) {
                throw new PostgresException(PostgresException.QUERY_FAILED, "not a role attribute: " + a);
            }
        }
        withConnection("creating role " + name, c -> {
            try (Statement st = c.createStatement()) {
                boolean exists;
                try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?")) {
                    q.setString(1, name);
                    try (ResultSet rs = q.executeQuery()) {
                        exists = rs.next();
                    }
                }
                st.execute((exists ? "ALTER ROLE " : "CREATE ROLE ") + quoteIdentifier(name) + " WITH LOGIN "
                        + String.join(" ", attributes) + password.map(p -> " PASSWORD " + quoteLiteral(p)).orElse(""));
            }
            return null;
        });
    }

    /** The functions pg_rewind needs on the source, granted to a non-superuser rewind role. */
    static final List<String> REWIND_FUNCTIONS = List.of(
            "pg_catalog.pg_ls_dir(text, boolean, boolean)",
            "pg_catalog.pg_stat_file(text, boolean)",
            "pg_catalog.pg_read_binary_file(text)",
            "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)");

    /** Grants {@code role} what pg_rewind needs to use this server as its source. */
    public void grantRewindPermissions(String role) {
        withConnection("granting pg_rewind's functions to " + role, c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SET synchronous_commit TO 'local'");
                for (String f : REWIND_FUNCTIONS) {
                    st.execute("GRANT EXECUTE ON FUNCTION " + f + " TO " + quoteIdentifier(role));
                }
                st.execute("RESET synchronous_commit");
            }
            return null;
        });
    }

    static String quoteIdentifier(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    /** An escape-string literal, which reads the same whatever {@code standard_conforming_strings} says. */
    static String quoteLiteral(String s) {
        return "E'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    // ---------------------------------------------------------------- timelines (rewind source)

    /**
     * This server's timeline, its checkpoint's timeline and its timeline history. Needs only what a pg_rewind user
     * is granted ({@code pg_read_binary_file}) besides functions every role may call.
     */
    public SourceTimeline sourceTimeline() {
        return withConnection("reading the timeline history", c -> {
            boolean inRecovery;
            long timeline;
            long checkpointTimeline;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                    SELECT pg_catalog.pg_is_in_recovery(),
                           CASE WHEN pg_catalog.pg_is_in_recovery() THEN 0
                                ELSE ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(
                                     pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
                           (pg_catalog.pg_control_checkpoint()).timeline_id""")) {
                rs.next();
                inRecovery = rs.getBoolean(1);
                checkpointTimeline = rs.getLong(3);
                timeline = inRecovery ? checkpointTimeline : rs.getLong(2);
            }
            TimelineHistory history = new TimelineHistory(List.of());
            if (timeline > 1) {
                try (PreparedStatement st = c.prepareStatement("SELECT pg_catalog.pg_read_binary_file(?)")) {
                    st.setString(1, "pg_wal/" + TimelineHistory.fileName(timeline));
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        history = TimelineHistory.parse(new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
            return new SourceTimeline(inRecovery, timeline, checkpointTimeline, history);
        });
    }

    // ---------------------------------------------------------------- helpers

    static Optional<Lsn> lsn(String text) {
        return text == null ? Optional.empty() : Optional.of(Lsn.parse(text));
    }

    private static Optional<Instant> instant(Timestamp t) {
        return t == null ? Optional.empty() : Optional.of(t.toInstant());
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
