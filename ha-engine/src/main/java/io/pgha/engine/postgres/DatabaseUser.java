package io.pgha.engine.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The OS user PostgreSQL runs as, and what running as it takes. PostgreSQL refuses to run as root; when the agent is
 * root (the normal case in containers and CI) its programs are run through {@code setpriv}, which switches user and
 * then execs the program in place (so a started program's pid is the program's own), and the files handed to
 * PostgreSQL are given to that user. When the agent is not root, programs run as the agent's own user, unchanged.
 *
 * @param name the user name ({@code postgres} by default)
 * @param uid its numeric user id
 * @param gid its primary group id
 * @param switchUser whether the agent is root and must switch to this user
 */
public record DatabaseUser(String name, int uid, int gid, boolean switchUser) {

    public static final String DEFAULT_NAME = "postgres";

    public DatabaseUser {
        Objects.requireNonNull(name, "name is null");
    }

    /**
     * The user PostgreSQL runs as when the agent runs as the current process's user.
     *
     * @param name the configured database OS user; only looked up when the agent is root
     * @throws PostgresException {@code DATABASE_USER_MISSING} when the agent is root and {@code name} does not exist
     */
    public static DatabaseUser resolve(String name) {
        Objects.requireNonNull(name, "name is null");
        int euid = effectiveUid();
        if (euid != 0) {
            return new DatabaseUser(System.getProperty("user.name", name), euid, -1, false);
        }
        if (name.isBlank() || name.equals("root")) {
            throw new PostgresException(PostgresException.DATABASE_USER_MISSING,
                    "pgha runs as root and PostgreSQL cannot: configure an unprivileged OS user for PostgreSQL"
                            + " (the default is 'postgres')");
        }
        Integer uid = idOf(name, "-u");
        Integer gid = idOf(name, "-g");
        if (uid == null || gid == null) {
            throw new PostgresException(PostgresException.DATABASE_USER_MISSING,
                    "pgha runs as root, so it runs PostgreSQL as the OS user '" + name + "', which does not exist:"
                            + " create it (for example: useradd --system --home-dir /var/lib/postgresql postgres),"
                            + " or configure the OS user that owns the PostgreSQL data directory");
        }
        if (uid == 0) {
            throw new PostgresException(PostgresException.DATABASE_USER_MISSING,
                    "the OS user '" + name + "' configured for PostgreSQL has uid 0; PostgreSQL refuses to run as root");
        }
        return new DatabaseUser(name, uid, gid, true);
    }

    /** The effective uid of this JVM, from {@code /proc/self/status} (Java has no getuid). */
    static int effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: fall through
        }
        return "root".equals(System.getProperty("user.name")) ? 0 : 1;
    }

    private static Integer idOf(String name, String flag) {
        try {
            Process p = new ProcessBuilder("id", flag, "--", name).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? Integer.valueOf(out) : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * {@code argv} as it must be executed to run as this user: prefixed with {@code setpriv} when switching. setpriv
     * execs in place, so the pid of the started process is the program's.
     */
    public List<String> commandLine(List<String> argv) {
        if (!switchUser) {
            return List.copyOf(argv);
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--"));
        out.addAll(argv);
        return List.copyOf(out);
    }

    /** Gives {@code path} (not what is under it) to this user; nothing when not switching users. */
    public void own(Path path) {
        if (!switchUser) {
            return;
        }
        try {
            Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + path + " to the OS user '" + name + "'", e);
        }
    }

    /** Gives {@code root} and everything under it to this user, not following symbolic links. */
    public void ownTree(Path root) {
        if (!switchUser || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    own(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    own(file);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + root + " to the OS user '" + name + "'", e);
        }
    }
}
