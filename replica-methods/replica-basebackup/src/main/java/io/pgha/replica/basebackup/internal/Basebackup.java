package io.pgha.replica.basebackup.internal;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.CommandRunner.Command;
import io.pgha.spi.CommandRunner.CommandResult;
import io.pgha.spi.PghaException;
import io.pgha.spi.replica.ReplicaMethod;
import io.pgha.spi.replica.ReplicaRequest;
import io.pgha.spi.replica.ReplicaResult;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pg_basebackup --pgdata=<dir> -X stream --dbname=<source> <options>}, run as the database user, tried up to
 * {@value #ATTEMPTS} times (a source that just started, or a leader busy with a checkpoint, may refuse the first
 * attempt; Patroni tries twice), each retry on an emptied directory after a pause that doubles, starting at the
 * configured one (5 s, then 10 s). The whole run stays within the request's timeout.
 */
public final class Basebackup implements ReplicaMethod {
    private static final Logger LOG = LoggerFactory.getLogger(Basebackup.class);
    /** How many times pg_basebackup is tried, and the first pause between tries (it doubles after each). */
    public static final int ATTEMPTS = 3;
    public static final Duration RETRY_PAUSE = Duration.ofSeconds(5);

    private final List<String> options;
    private final CommandRunner commands;
    private final Duration retryPause;

    public Basebackup(List<String> options, CommandRunner commands, Duration retryPause) {
        this.options = List.copyOf(options);
        this.commands = Objects.requireNonNull(commands, "commands is null");
        this.retryPause = Objects.requireNonNull(retryPause, "retryPause is null");
    }

    @Override
    public boolean runsWithoutLeader() {
        return false;
    }

    @Override
    public boolean keepsExistingData() {
        return false;
    }

    /** The command line for {@code request} (with a source). */
    public List<String> commandLine(ReplicaRequest request, String source) {
        List<String> argv = new ArrayList<>();
        argv.add(request.binDirectory().resolve("pg_basebackup").toString());
        argv.add("--pgdata=" + request.dataDirectory());
        argv.add("-X");
        argv.add("stream");
        argv.add("--dbname=" + source);
        argv.addAll(options);
        return argv;
    }

    @Override
    public ReplicaResult createReplica(ReplicaRequest request) {
        Optional<String> source = request.sourceConnectionString().filter(s -> !s.isBlank());
        if (source.isEmpty()) {
            return ReplicaResult.failed("pg_basebackup needs a running member to copy from, and there is none", true);
        }
        List<String> argv = commandLine(request, source.get());
        long deadline = System.nanoTime() + request.timeout().toNanos();
        String lastFailure = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            if (left.isNegative() || left.isZero()) {
                break;
            }
            if (attempt > 1) {
                empty(request.dataDirectory());
            }
            LOG.info("copying the data directory with pg_basebackup (attempt {} of {})", attempt, ATTEMPTS);
            CommandResult r;
            try {
                r = commands.run(new Command(argv, request.environment(), Optional.empty(), left, true));
            } catch (PghaException e) {
                return ReplicaResult.failed("pg_basebackup could not run: " + e.getMessage(), false);
            }
            if (r.succeeded()) {
                return ReplicaResult.created();
            }
            lastFailure = "pg_basebackup " + (r.timedOut() ? "timed out" : "exited with " + r.exitCode()) + ": "
                    + r.output().trim();
            LOG.warn("{} (attempt {} of {}{})", lastFailure, attempt, ATTEMPTS, attempt < ATTEMPTS
                    ? "; trying again in " + retryPause.multipliedBy(1L << (attempt - 1)).toMillis() + " ms" : "");
            if (attempt < ATTEMPTS && !pause(retryPause.multipliedBy(1L << (attempt - 1)), deadline)) {
                break;
            }
        }
        return ReplicaResult.failed(lastFailure.isEmpty() ? "pg_basebackup ran out of time" : lastFailure, true);
    }

    /** Waits out the pause between attempts, cut short at the deadline; false when interrupted. */
    private boolean pause(Duration pause, long deadline) {
        long nanos = Math.min(pause.toNanos(), deadline - System.nanoTime());
        if (nanos <= 0) {
            return true;
        }
        try {
            // a deliberate back-off before retrying, not a synchronisation with anything
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Deletes what a failed attempt left in the directory, keeping the directory; links are removed, not followed. */
    static void empty(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                Files.walkFileTree(entry, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                        Files.delete(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
            }
        } catch (IOException e) {
            LOG.warn("cannot empty {} after a failed pg_basebackup: {}", dir, e.toString());
        }
    }
}
