package io.pgha.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("pgha demo: can PostgreSQL's OS user reach the base directory")
class TraversalTest {
    private static final int PG_UID = 105;
    private static final int PG_GID = 110;

    private final Map<Path, Traversal.DirInfo> dirs = new HashMap<>();
    private final Traversal traversal = new Traversal(d -> Optional.ofNullable(dirs.get(d)));

    private void dir(String path, int uid, int gid, String mode) {
        dirs.put(Path.of(path), new Traversal.DirInfo(uid, gid, PosixFilePermissions.fromString(mode)));
    }

    private List<String> blocked(String path) {
        return traversal.blocked(Path.of(path), "postgres", PG_UID, Set.of(PG_GID));
    }

    @Test
    @DisplayName("world-enterable directories and directories still to create are fine")
    void open() {
        dir("/", 0, 0, "rwxr-xr-x");
        dir("/tmp", 0, 0, "rwxrwxrwx");
        assertEquals(List.of(), blocked("/tmp/pgha-demo/deeper"));
    }

    @Test
    @DisplayName("root's home (0700) blocks, named with its mode")
    void rootHome() {
        dir("/", 0, 0, "rwxr-xr-x");
        dir("/root", 0, 0, "rwx------");
        dir("/root/demo", 0, 0, "rwxr-xr-x");
        assertEquals(List.of("/root (mode 700, owner uid 0) cannot be entered by postgres"), blocked("/root/demo"));
    }

    @Test
    @DisplayName("the owner's and the group's execute bits count for the user and its groups")
    void ownerAndGroup() {
        dir("/", 0, 0, "rwxr-xr-x");
        dir("/srv", PG_UID, 0, "rwx------");
        dir("/srv/g", 0, PG_GID, "rwxr-x---");
        dir("/srv/g/other", 0, 999, "rwxr-x---");
        assertEquals(List.of("/srv/g/other (mode 750, owner uid 0) cannot be entered by postgres"),
                blocked("/srv/g/other"));
        assertEquals("644", Traversal.mode(PosixFilePermissions.fromString("rw-r--r--")));
    }
}
