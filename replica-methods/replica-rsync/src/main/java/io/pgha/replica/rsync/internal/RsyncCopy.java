package io.pgha.replica.rsync.internal;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rsync copy of the leader:
 * <ol>
 * <li>connect to the leader and run {@code pg_backup_start(label, fast => true)} (before PostgreSQL 15
 * {@code pg_start_backup(label, true, false)}: the non-exclusive form), keeping the session open;
 * <li>rsync the data directory into ours, with {@code --delete}, leaving out what a base backup must not carry
 * (WAL, postmaster.pid, replication slots, temporary and runtime directories, signal files); rsync's exit status 24
 * (files vanished while copying) is expected on a live server;
 * <li>{@code pg_backup_stop(false)} and write the backup label it returns into the copy;
 * <li>rsync the leader's pg_wal, which now holds the WAL from the backup's start to its end, so the copy is
 * consistent even if the leader recycles those segments before the copy starts streaming.
 * </ol>
 * A failure anywhere closes the session, which ends the backup on the leader. Tablespaces are refused: their
 * directories would have to be copied from elsewhere.
 */
public final class RsyncCopy implements ReplicaMethod {
    private static final Logger LOG = LoggerFactory.getLogger(RsyncCopy.class);
    /** rsync's "some files vanished before they could be transferred": normal while PostgreSQL writes. */
    static final int VANISHED = 24;
    static final List<String> EXCLUDES = List.of("/postmaster.pid", "/postmaster.opts", "/pg_wal/*",
            "/pg_replslot/*", "/pg_dynshmem/*", "/pg_notify/*", "/pg_serial/*", "/pg_snapshots/*", "/pg_stat_tmp/*",
            "/pg_subtrans/*", "pgsql_tmp*", "/backup_label", "/tablespace_map", "/standby.signal", "/recovery.signal",
            "/backup_label.old");
    static final Set<String> KEYS = Set.of("module", "port", "source_directory", "user", "rsync_options");

    private final Settings settings;
    private final CommandRunner commands;

    public RsyncCopy(Settings settings, CommandRunner commands) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.commands = Objects.requireNonNull(commands, "commands is null");
    }

    /** What {@code postgresql.rsync} says: exactly one of {@code module} and {@code sourceDirectory}. */
    public record Settings(Optional<String> module, int port, Optional<String> sourceDirectory, Optional<String> user,
            List<String> rsyncOptions) {
        public Settings {
            Objects.requireNonNull(module, "module is null");
            Objects.requireNonNull(sourceDirectory, "sourceDirectory is null");
            Objects.requireNonNull(user, "user is null");
            rsyncOptions = List.copyOf(rsyncOptions);
        }

        public static Settings read(ConfigSection s, List<ConfigProblem> problems) {
            s.warnUnknownKeys(KEYS, problems);
            Optional<String> module = s.string("module", problems).filter(m -> !m.isBlank());
            Optional<String> dir = s.string("source_directory", problems).filter(d -> !d.isBlank());
            if (module.isPresent() == dir.isPresent()) {
                problems.add(ConfigProblem.error(s.pathOf("module"), module.isPresent()
                        ? "and source_directory are both set: choose the rsync daemon module or the local directory"
                        : "is missing: set module (an rsync daemon module exporting the leader's data directory) or"
                                + " source_directory (the leader's data directory on this host)"));
            }
            if (dir.isPresent() && !dir.get().startsWith("/")) {
                problems.add(ConfigProblem.error(s.pathOf("source_directory"), "is not an absolute path"));
            }
            long port = s.integer("port", 873, problems);
            if (port < 1 || port > 65535) {
                problems.add(ConfigProblem.error(s.pathOf("port"), "is " + port + ": expected a TCP port"));
            }
            List<String> options = s.stringList("rsync_options", problems);
            for (String o : options) {
                if (!o.startsWith("-")) {
                    problems.add(ConfigProblem.error(s.pathOf("rsync_options"), "'" + o + "' is not an option: the"
                            + " source and target are set by the method"));
                }
            }
            return new Settings(module, (int) port, dir, s.string("user", problems), options);
        }
    }

    @Override
    public boolean runsWithoutLeader() {
        return false;
    }

    @Override
    public boolean keepsExistingData() {
        return true;
    }

    @Override
    public ReplicaResult createReplica(ReplicaRequest request) {
        Optional<String> conninfo = request.sourceConnectionString().filter(c -> !c.isBlank());
        if (conninfo.isEmpty()) {
            return ReplicaResult.failed("rsync copies a running leader, and there is none", true);
        }
        Map<String, String> options;
        try {
            options = LibpqOptions.parse(conninfo.get());
        } catch (IllegalArgumentException e) {
            return ReplicaResult.failed("cannot read the source's connection string: " + e.getMessage(), false);
        }
        String host = options.getOrDefault("host", "127.0.0.1");
        if (host.startsWith("/")) {
            return ReplicaResult.failed("the rsync method connects over TCP; the source's host is a socket directory",
                    false);
        }
        String source = settings.module().map(m -> "rsync://" + host + ":" + settings.port() + "/" + m + "/")
                .orElseGet(() -> settings.sourceDirectory().orElseThrow() + "/");
        long deadline = System.nanoTime() + request.timeout().toNanos();
        try (Connection leader = connect(host, options, request)) {
            boolean modern = serverVersion(leader) >= 150000;
            try (PreparedStatement start = leader.prepareStatement(modern ? "SELECT pg_backup_start(?, true)"
                    : "SELECT pg_start_backup(?, true, false)")) {
                start.setString(1, "pgha rsync for " + request.memberName());
                start.execute();
            }
            LOG.info("backup started on {}; copying {} with rsync", host, source);
            Optional<String> failure = rsync(copyArguments(source, request.dataDirectory()), request, deadline);
            if (failure.isPresent()) {
                return ReplicaResult.failed(failure.get(), true);
            }
            String label;
            String spcmap;
            try (Statement st = leader.createStatement();
                    ResultSet rs = st.executeQuery(modern ? "SELECT labelfile, spcmapfile FROM pg_backup_stop(false)"
                            : "SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)")) {
                rs.next();
                label = rs.getString(1);
                spcmap = rs.getString(2);
            }
            if (spcmap != null && !spcmap.isBlank()) {
                return ReplicaResult.failed("the leader has tablespaces, which the rsync method does not copy", false);
            }
            Files.writeString(request.dataDirectory().resolve("backup_label"), label, StandardCharsets.UTF_8);
            failure = rsync(List.of("-a", "--exclude=archive_status/*", source + "pg_wal/",
                    request.dataDirectory().resolve("pg_wal") + "/"), request, deadline);
            if (failure.isPresent()) {
                return ReplicaResult.failed(failure.get(), true);
            }
            return ReplicaResult.created();
        } catch (SQLException e) {
            return ReplicaResult.failed("backup on the leader " + host + " failed: " + e.getMessage(), true);
        } catch (IOException e) {
            return ReplicaResult.failed("cannot write the backup label: " + e, false);
        }
    }

    /** The arguments of the main copy. */
    List<String> copyArguments(String source, Path target) {
        List<String> args = new ArrayList<>(List.of("-a", "--delete", "--delete-excluded"));
        EXCLUDES.forEach(e -> args.add("--exclude=" + e));
        args.addAll(settings.rsyncOptions());
        args.add(source);
        args.add(target + "/");
        return args;
    }

    private Optional<String> rsync(List<String> args, ReplicaRequest request, long deadline) {
        List<String> argv = new ArrayList<>(List.of("rsync"));
        argv.addAll(args);
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        if (left.isNegative() || left.isZero()) {
            return Optional.of("rsync ran out of time");
        }
        CommandResult r;
        try {
            r = commands.run(new Command(argv, request.environment(), Optional.empty(), left, true));
        } catch (PghaException e) {
            return Optional.of("rsync could not run: " + e.getMessage());
        }
        if (r.timedOut()) {
            return Optional.of("rsync timed out: " + r.output().strip());
        }
        if (r.exitCode() != 0 && r.exitCode() != VANISHED) {
            return Optional.of("rsync exited with " + r.exitCode() + ": " + r.output().strip());
        }
        return Optional.empty();
    }

    private Connection connect(String host, Map<String, String> options, ReplicaRequest request) throws SQLException {
        String port = options.getOrDefault("port", "5432");
        String database = options.getOrDefault("dbname", "postgres");
        String user = settings.user().orElse(options.getOrDefault("user", "postgres"));
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("ApplicationName", "pgha rsync replica method");
        p.setProperty("connectTimeout", "10");
        Optional.ofNullable(options.get("sslmode")).ifPresent(m -> p.setProperty("sslmode", m));
        Optional.ofNullable(request.environment().get("PGPASSFILE"))
                .flatMap(f -> LibpqOptions.password(Path.of(f), host, port, database, user))
                .ifPresent(pw -> p.setProperty("password", pw));
        // the driver is this plugin's own; load it through this plugin's loader rather than the JDBC service scan
        try {
            return new org.postgresql.Driver().connect("jdbc:postgresql://" + host + ":" + port + "/" + database, p);
        } catch (SQLException e) {
            throw new SQLException("cannot connect to " + host + ":" + port + " as " + user + ": " + e.getMessage(), e);
        }
    }

    private static int serverVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
