package io.pgha.engine.postgres;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * The data directory as a directory: whether it is empty or holds a cluster, preparing it for PostgreSQL (owned by
 * the database user, mode 0700), and removing or moving aside its contents.
 */
public final class DataDirectory {
    private final Path path;
    private final DatabaseUser owner;

    public DataDirectory(Path path, DatabaseUser owner) {
        this.path = Objects.requireNonNull(path, "path is null").toAbsolutePath().normalize();
        this.owner = Objects.requireNonNull(owner, "owner is null");
    }

    public Path path() {
        return path;
    }

    /** Missing, or a directory with nothing in it. */
    public boolean isEmpty() {
        if (!Files.exists(path)) {
            return true;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    /** Holds a cluster: {@code PG_VERSION} and {@code global/pg_control} exist. */
    public boolean isInitialized() {
        return Files.isRegularFile(path.resolve("PG_VERSION")) && Files.isRegularFile(path.resolve("global/pg_control"));
    }

    /** A base backup was restored and has not finished its recovery yet. */
    public boolean hasBackupLabel() {
        return Files.exists(path.resolve("backup_label"));
    }

    /** The major version in {@code PG_VERSION} ({@code 15}), 0 when unreadable. */
    public int majorVersion() {
        try {
            return Integer.parseInt(Files.readString(path.resolve("PG_VERSION")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Creates the directory if needed and makes it PostgreSQL's: owned by the database user, mode 0700. A missing
     * parent is created owned by root with mode 0755, so that the database user can reach the directory.
     */
    public void prepare() {
        try {
            if (!Files.isDirectory(path)) {
                Path parent = path.getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    Files.createDirectories(parent,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                }
                Files.createDirectory(path);
            }
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
            owner.own(path);
        } catch (IOException | RuntimeException e) {
            throw new PostgresException(PostgresException.FILE_ERROR, "cannot prepare the data directory " + path + ": "
                    + e, e);
        }
    }

    /** Gives everything in the directory to the database user and sets its mode to 0700 (after a copy made as root). */
    public void fixOwnership() {
        try {
            owner.ownTree(path);
            if (Files.isDirectory(path)) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException | RuntimeException e) {
            throw new PostgresException(PostgresException.FILE_ERROR, "cannot give " + path + " to the OS user '"
                    + owner.name() + "': " + e, e);
        }
    }

    /**
     * Deletes everything inside the directory and keeps the (empty) directory itself. Symbolic links (a separate
     * pg_wal, tablespaces) are removed, not followed.
     */
    public void wipe() {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    if (exc != null) {
                        throw exc;
                    }
                    if (!dir.equals(path)) {
                        Files.delete(dir);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new PostgresException(PostgresException.FILE_ERROR, "cannot empty the data directory " + path + ": "
                    + e, e);
        }
    }

    /**
     * Renames the directory to {@code <dir><suffix>} (with a timestamp added when that name is taken), leaving no
     * directory at the original path. Patroni uses {@code .failed} after a failed bootstrap and a timestamp before
     * re-creating a replica.
     *
     * @return where it went
     */
    public Path moveAside(String suffix) {
        Path target = path.resolveSibling(path.getFileName() + suffix);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            target = path.resolveSibling(path.getFileName() + suffix + "_"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss")));
        }
        try {
            Files.move(path, target);
            return target;
        } catch (IOException e) {
            throw new PostgresException(PostgresException.FILE_ERROR, "cannot move the data directory " + path + " to "
                    + target + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
