package io.pgha.engine.postgres;

import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.ShellWords;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.bootstrap.BootstrapMethod;
import io.pgha.spi.bootstrap.BootstrapRequest;
import io.pgha.spi.bootstrap.BootstrapResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creating a new cluster: running a bootstrap method (the {@code initdb} plugin, or a custom one) into the empty
 * data directory, and, once the new primary runs, the post-bootstrap steps: the superuser's password, the
 * {@code post_bootstrap} script, the replication role and the rewind role with the functions pg_rewind needs.
 */
public final class ClusterBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterBootstrap.class);

    private final PostgresInstance pg;

    public ClusterBootstrap(PostgresInstance pg) {
        this.pg = Objects.requireNonNull(pg, "pg is null");
    }

    /**
     * Runs {@code method} into the data directory, which must be empty (it is created, owned by the database user,
     * mode 0700). The superuser's password reaches the method in a temporary file (0600, the database user's) that is
     * deleted afterwards. On success the directory is given to the database user, the method's postgresql.conf is kept
     * as postgresql.base.conf and {@code bootstrapPgHba} lines are appended to pg_hba.conf. A method that throws
     * counts as failed. On failure nothing is cleaned up: the caller decides (Patroni moves the directory aside).
     *
     * @param bootstrapPgHba {@code bootstrap.pg_hba}, which Patroni only applies when neither
     *        {@code postgresql.pg_hba} nor {@code hba_file} is configured (the caller passes an empty list then)
     */
    public BootstrapResult bootstrap(BootstrapMethod method, List<String> bootstrapPgHba, Duration timeout) {
        Objects.requireNonNull(method, "method is null");
        DataDirectory dir = pg.dataDirectory();
        if (!dir.isEmpty()) {
            return new BootstrapResult.Failed("the data directory " + dir + " is not empty");
        }
        dir.prepare();
        PostgresSettings s = pg.settings();
        Optional<Path> pwfile = s.superuser().password().map(this::passwordFile);
        try {
            BootstrapRequest request = new BootstrapRequest(s.dataDirectory(), s.binaries().directory(),
                    s.clusterName(), s.memberName(), s.superuser().username(), pwfile, Map.of("LC_MESSAGES", "C"),
                    timeout);
            BootstrapResult result;
            try {
                result = method.bootstrap(request);
            } catch (RuntimeException e) {
                result = new BootstrapResult.Failed("the bootstrap method failed: " + e);
            }
            if (result instanceof BootstrapResult.Created) {
                if (!dir.isInitialized()) {
                    return new BootstrapResult.Failed("the bootstrap method reported success but " + dir
                            + " holds no database cluster");
                }
                dir.fixOwnership();
                pg.configFiles().keepUserConfigAsBase();
                pg.configFiles().appendHba(bootstrapPgHba);
            }
            return result;
        } finally {
            pwfile.ifPresent(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("cannot remove the temporary password file {}: {}", p, e.toString());
                }
            });
        }
    }

    private Path passwordFile(String password) {
        try {
            Path p = Files.createTempFile("pgha-pwfile", "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(p, password + "\n", StandardCharsets.UTF_8);
            pg.runner().user().own(p);
            return p;
        } catch (IOException e) {
            throw new PostgresException(PostgresException.FILE_ERROR, "cannot write the superuser password file: " + e, e);
        }
    }

    /**
     * Prepares the recovery configuration of a directory a custom method created, with Patroni's semantics, and
     * returns what the new cluster starts as:
     * <ul>
     *   <li>the method asked for recovery settings ({@code recovery_conf}): archive recovery with them
     *       ({@code recovery.signal}); recovery settings the method itself wrote to {@code postgresql.auto.conf}
     *       (pgBackRest does) are removed first, because that file would override them;</li>
     *   <li>no recovery settings, {@code keep_existing_recovery_conf}, and the method left a signal file: archive
     *       recovery with whatever recovery settings the method wrote (a left {@code standby.signal} becomes
     *       {@code recovery.signal}: a new cluster must end its recovery, not follow a primary for ever);</li>
     *   <li>otherwise a primary: the method's signal files and recovery settings are removed.</li>
     * </ul>
     * An initdb result (no settings, nothing to keep) is a primary.
     */
    public ServerRole prepareStart(BootstrapResult.Created created) {
        DataDirectory dir = pg.dataDirectory();
        ConfigFiles files = pg.configFiles();
        if (!created.recoverySettings().isEmpty()) {
            dropMethodRecoverySettings(files);
            return new ServerRole.ArchiveRecovery(created.recoverySettings());
        }
        boolean leftRecovery = Files.exists(dir.path().resolve(ConfigFiles.RECOVERY_SIGNAL))
                || Files.exists(dir.path().resolve(ConfigFiles.STANDBY_SIGNAL));
        if (created.keepExistingRecoveryConfiguration()) {
            return leftRecovery ? new ServerRole.ArchiveRecovery(Map.of()) : ServerRole.primary();
        }
        if (leftRecovery) {
            LOG.info("removing the recovery configuration the bootstrap method left (keep_existing_recovery_conf is"
                    + " off)");
        }
        dropMethodRecoverySettings(files);
        return ServerRole.primary();
    }

    private static void dropMethodRecoverySettings(ConfigFiles files) {
        List<String> dropped = files.removeRecoverySettingsFromAutoConf();
        if (!dropped.isEmpty()) {
            LOG.info("removed recovery settings the bootstrap method wrote to postgresql.auto.conf: {}", dropped);
        }
    }

    /**
     * Waits until the new cluster finished its recovery and accepts writes, up to {@code timeout}. A recovery that
     * pauses at its target (PostgreSQL's default {@code recovery_target_action}) is promoted: a bootstrap ends in a
     * primary.
     *
     * @throws PostgresException {@code POSTGRES_BOOTSTRAP_FAILED} when PostgreSQL stops (a target it never reached,
     *         {@code recovery_target_action: shutdown}) or takes longer than {@code timeout}
     */
    public void awaitEndOfRecovery(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean promoted = false;
        while (true) {
            InstanceObservation o = pg.observe();
            if (o.process() != ProcessState.RUNNING && o.process() != ProcessState.STARTING) {
                throw new PostgresException(PostgresException.BOOTSTRAP_FAILED, "PostgreSQL stopped during the"
                        + " recovery after bootstrap (" + o.process() + ")" + pg.logTail().map(t -> ": " + t).orElse(""));
            }
            Optional<ServerStatus> status = o.status();
            if (status.isPresent() && !status.get().inRecovery()) {
                LOG.info("recovery after bootstrap ended on timeline {}", status.get().timeline());
                return;
            }
            if (status.isPresent() && status.get().replayPaused() && !promoted) {
                LOG.info("recovery after bootstrap paused at its target; promoting");
                pg.promote(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                promoted = true;
                continue;
            }
            if (System.nanoTime() > deadline) {
                throw new PostgresException(PostgresException.BOOTSTRAP_FAILED, "recovery after bootstrap did not end"
                        + " within " + timeout.toMinutes() + " min");
            }
            // polling the server's state at a fixed pace; nothing else to wait on
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.SECONDS.toNanos(1));
        }
    }

    /**
     * Runs the post-bootstrap steps on the new, running primary, in Patroni's order: set the superuser's password,
     * run {@code postBootstrapCommand} (shell-split; its last argument is the superuser's libpq connection string
     * without password, the password comes from {@code PGPASSFILE}; run as the database user), create the
     * replication role, create the rewind role (when one is configured apart from the superuser) with its grants.
     *
     * @param postBootstrapCommand {@code bootstrap.post_bootstrap} (alias {@code post_init})
     * @throws PostgresException {@code POSTGRES_BOOTSTRAP_FAILED} when the script fails; SQL failures as they come
     */
    public void postBootstrap(Optional<String> postBootstrapCommand, Duration scriptTimeout) {
        PostgresSettings s = pg.settings();
        PostgresSql sql = pg.sql();
        if (s.superuser().password().isPresent()) {
            sql.createOrUpdateRole(s.superuser().username(), s.superuser().password(), PostgresSql.RoleKind.SUPERUSER);
        }
        if (postBootstrapCommand.isPresent() && !postBootstrapCommand.get().isBlank()) {
            runScript(postBootstrapCommand.get(), scriptTimeout);
        }
        if (!s.replication().username().equals(s.superuser().username())) {
            sql.createOrUpdateRole(s.replication().username(), s.replication().password(),
                    PostgresSql.RoleKind.REPLICATION);
        }
        s.rewind().filter(r -> !r.username().equals(s.superuser().username())).ifPresent(r -> {
            sql.createOrUpdateRole(r.username(), r.password(), PostgresSql.RoleKind.LOGIN);
            sql.grantRewindPermissions(r.username());
        });
    }

    private void runScript(String command, Duration timeout) {
        PostgresSettings s = pg.settings();
        List<String> argv;
        try {
            argv = new ArrayList<>(ShellWords.split(command));
        } catch (IllegalArgumentException e) {
            throw new PostgresException(PostgresException.BOOTSTRAP_FAILED, "cannot run post_bootstrap: " + e.getMessage());
        }
        if (argv.isEmpty()) {
            return;
        }
        argv.add(ConnInfo.format(ConnInfo.options(s.localHost(), s.port(), s.superuser(), s.database())));
        pg.writePgPass();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGPASSFILE", s.pgpassFile().toString());
        env.put("PGOPTIONS", "-c synchronous_commit=local -c statement_timeout=0");
        LOG.info("running post_bootstrap: {}", argv.get(0));
        CommandResult r = pg.runner().run(new Command(argv, env, Optional.empty(), timeout, true));
        if (!r.succeeded()) {
            throw new PostgresException(PostgresException.BOOTSTRAP_FAILED, "post_bootstrap "
                    + (r.timedOut() ? "timed out" : "failed (exit " + r.exitCode() + ")") + ": " + r.output().trim());
        }
    }
}
