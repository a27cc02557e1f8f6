package io.pgha.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Temporary directories for tests: those of fake contexts are removed when the JVM exits (tests open many clients;
 * nobody should have to clean up after each one), and {@link #deleteTree} removes any scratch directory.
 *
 * @since 1.0
 */
public final class TempDirectories {
    private static final List<Path> CREATED = new ArrayList<>();
    private static boolean hookInstalled;

    private TempDirectories() {
    }

    static synchronized Path create(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            CREATED.add(dir);
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(new Thread(TempDirectories::deleteAll, "kit-temp-cleanup"));
                hookInstalled = true;
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    private static synchronized void deleteAll() {
        for (Path dir : CREATED) {
            deleteTree(dir);
        }
        CREATED.clear();
    }

    /**
     * Deletes {@code dir} and everything in it, best effort: what cannot be deleted is left and the rest still goes.
     * For test scratch space only.
     */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    // best effort: a left-over temp file is harmless
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // best effort
        }
    }
}
