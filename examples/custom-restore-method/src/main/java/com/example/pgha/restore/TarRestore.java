package com.example.pgha.restore;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/** Unpacks one base backup into the empty data directory, as the database user, with tar. */
final class TarRestore implements ReplicaMethod {
    static final String BASE = "base.tar";
    static final String WAL = "pg_wal.tar";

    record Settings(Path backupDirectory, Optional<String> backup, String tar) {
        static Settings read(ConfigSection s, List<ConfigProblem> problems) {
            String dir = s.requiredString("backup_directory", problems);
            if (!dir.isEmpty() && !Path.of(dir).isAbsolute()) {
                problems.add(ConfigProblem.error(s.pathOf("backup_directory"), "is not an absolute path: " + dir));
            }
            Optional<String> backup = s.string("backup", problems);
            backup.filter(b -> b.contains("/") || b.equals("..")).ifPresent(b -> problems.add(ConfigProblem.error(
                    s.pathOf("backup"), "names a backup directory inside backup_directory, not a path: " + b)));
            String tar = s.string("tar", "tar", problems);
            for (String key : s.asMap().keySet()) {
                if (!List.of("backup_directory", "backup", "tar").contains(key)) {
                    problems.add(ConfigProblem.error(s.pathOf(key), "is not an option of tar_restore (backup_directory,"
                            + " backup, tar)"));
                }
            }
            return new Settings(Path.of(dir.isEmpty() ? "/" : dir), backup, tar);
        }
    }

    private final Settings settings;
    private final CommandRunner commands;

    TarRestore(Settings settings, CommandRunner commands) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.commands = Objects.requireNonNull(commands, "commands is null");
    }

    @Override
    public boolean runsWithoutLeader() {
        return true;
    }

    @Override
    public boolean keepsExistingData() {
        return false;
    }

    @Override
    public ReplicaResult createReplica(ReplicaRequest request) {
        Optional<Path> backup;
        try {
            backup = chooseBackup();
        } catch (IOException e) {
            return ReplicaResult.failed("cannot read " + settings.backupDirectory() + ": " + e, true);
        }
        if (backup.isEmpty()) {
            return ReplicaResult.failed(settings.backup().map(b -> "backup " + b + " (with " + BASE + ") is not in ")
                    .orElse("no base backup (a directory with " + BASE + ") in ") + settings.backupDirectory(), true);
        }
        long deadline = System.nanoTime() + request.timeout().toNanos();
        Optional<String> failure = untar(backup.get().resolve(BASE), request.dataDirectory(), request, deadline);
        if (failure.isEmpty() && Files.isRegularFile(backup.get().resolve(WAL))) {
            failure = untar(backup.get().resolve(WAL), request.dataDirectory().resolve("pg_wal"), request, deadline);
        }
        return failure.<ReplicaResult>map(f -> ReplicaResult.failed("restoring " + backup.get().getFileName() + ": "
                + f, true)).orElseGet(ReplicaResult::created);
    }

    /** The named backup, or the newest by name (backups are named by time), that has a base.tar. */
    private Optional<Path> chooseBackup() throws IOException {
        if (!Files.isDirectory(settings.backupDirectory())) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(settings.backupDirectory())) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(BASE)))
                    .filter(d -> settings.backup().map(b -> d.getFileName().toString().equals(b)).orElse(true))
                    .max(Comparator.comparing(d -> d.getFileName().toString()));
        }
    }

    private Optional<String> untar(Path archive, Path into, ReplicaRequest request, long deadline) {
        Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        CommandResult r;
        try {
            r = commands.run(new Command(List.of(settings.tar(), "-xf", archive.toString(), "-C", into.toString()),
                    request.environment(), Optional.empty(), left, true));
        } catch (PghaException e) {
            return Optional.of(settings.tar() + " could not run: " + e.getMessage());
        }
        if (r.succeeded()) {
            return Optional.empty();
        }
        return Optional.of(settings.tar() + (r.timedOut() ? " timed out" : " exited with " + r.exitCode()) + ": "
                + r.output().strip());
    }
}
