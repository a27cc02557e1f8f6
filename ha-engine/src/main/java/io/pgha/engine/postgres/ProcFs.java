package io.pgha.engine.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Looks at processes through Linux's {@code /proc}: whether a pid is a live (not zombie) process, its name and
 * current directory. A postmaster and all its children run with the data directory as their current directory,
 * which is how leftovers of a killed postmaster are found.
 */
final class ProcFs {
    private static final Path PROC = Path.of("/proc");

    private ProcFs() {
    }

    /**
     * The one-letter state from {@code /proc/<pid>/stat} ({@code R}, {@code S}, {@code D}, {@code Z}, ...), empty when
     * there is no such process.
     */
    static Optional<Character> state(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
            // the name (field 2) is in parentheses and may itself contain ") "; the state follows the last one
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length()) {
                return Optional.empty();
            }
            return Optional.of(stat.charAt(close + 2));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code pid} is a process that has not exited: zombies ({@code Z}) and dead ({@code X}) ones are not. */
    static boolean isAlive(long pid) {
        return state(pid).map(s -> s != 'Z' && s != 'X').orElse(false);
    }

    /** The process's name ({@code comm}, at most 15 characters). */
    static Optional<String> name(long pid) {
        try {
            return Optional.of(Files.readString(PROC.resolve(Long.toString(pid)).resolve("comm"), StandardCharsets.UTF_8)
                    .trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The process's current directory, resolved; empty when it cannot be read (another user's process, gone). */
    static Optional<Path> currentDirectory(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("cwd")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Live processes whose current directory is {@code directory} (which must be a real path). */
    static List<Long> processesIn(Path directory) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            for (Path entry : entries) {
                long pid = Long.parseLong(entry.getFileName().toString());
                if (pid != ProcessHandle.current().pid()
                        && currentDirectory(pid).filter(directory::equals).isPresent() && isAlive(pid)) {
                    out.add(pid);
                }
            }
        } catch (IOException e) {
            // /proc unreadable: nothing can be found
        }
        return out;
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }
}
