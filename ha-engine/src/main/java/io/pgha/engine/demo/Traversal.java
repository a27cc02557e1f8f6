package io.pgha.engine.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether an OS user can reach a directory: PostgreSQL runs as {@code postgres} when the demo runs as root, and must
 * be able to enter every directory on the way to its data directory. Checked up front, because PostgreSQL's own
 * error ("could not change directory ... Permission denied") comes late and far from the cause.
 */
public final class Traversal {

    /** The owner, group and mode of one directory. */
    public record DirInfo(int uid, int gid, Set<PosixFilePermission> permissions) {
    }

    /** Reads a directory's owner and mode; empty when it does not exist. */
    @FunctionalInterface
    public interface DirReader {
        Optional<DirInfo> read(Path dir) throws IOException;
    }

    private final DirReader reader;

    public Traversal(DirReader reader) {
        this.reader = reader;
    }

    /** The file system, following symbolic links as the kernel does when it resolves a path. */
    public static Traversal system() {
        return new Traversal(dir -> {
            if (!Files.exists(dir)) {
                return Optional.empty();
            }
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class);
            Map<String, Object> ids = Files.readAttributes(dir, "unix:uid,gid");
            return Optional.of(new DirInfo((Integer) ids.get("uid"), (Integer) ids.get("gid"), a.permissions()));
        });
    }

    /**
     * Every existing directory from the root down to {@code dir} (included) that the user cannot enter, with the
     * reason; empty when all can be entered. Directories that do not exist yet are created by the demo with mode
     * 0755, which everyone can enter.
     *
     * @param uid the user's id
     * @param gids its primary and supplementary group ids
     */
    public List<String> blocked(Path dir, String user, int uid, Set<Integer> gids) {
        List<String> out = new ArrayList<>();
        Path p = dir.toAbsolutePath().normalize();
        List<Path> chain = new ArrayList<>();
        for (Path q = p; q != null; q = q.getParent()) {
            chain.add(0, q);
        }
        for (Path q : chain) {
            Optional<DirInfo> info;
            try {
                info = reader.read(q);
            } catch (IOException | RuntimeException e) {
                out.add(q + " cannot be inspected (" + e.getMessage() + ")");
                continue;
            }
            if (info.isEmpty()) {
                break;
            }
            DirInfo d = info.get();
            boolean canEnter;
            if (d.uid() == uid) {
                canEnter = d.permissions().contains(PosixFilePermission.OWNER_EXECUTE);
            } else if (gids.contains(d.gid())) {
                canEnter = d.permissions().contains(PosixFilePermission.GROUP_EXECUTE);
            } else {
                canEnter = d.permissions().contains(PosixFilePermission.OTHERS_EXECUTE);
            }
            if (!canEnter) {
                out.add(q + " (mode " + mode(d.permissions()) + ", owner uid " + d.uid() + ") cannot be entered by "
                        + user);
            }
        }
        return out;
    }

    static String mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 1 << (8 - p.ordinal());
        }
        return String.format("%03o", m);
    }
}
