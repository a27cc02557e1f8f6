package io.pgha.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Temporary directories for fake contexts, removed when the JVM exits (tests open many clients; nobody should have to
 * clean up after each one).
 */
final class TempDirectories {
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

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // best effort at exit: a left-over temp directory is harmless
        }
    }
}
