package io.pgha.engine.postgres;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where PostgreSQL's programs are: {@code postgresql.bin_dir}, else the newest {@code /usr/lib/postgresql/<major>/bin}
 * (the Debian/Ubuntu layout), with {@code postgresql.bin_name} renaming single programs.
 *
 * @param directory the bin directory
 * @param names program file names that differ from the standard ones
 */
public record PostgresBinaries(Path directory, Map<Program, String> names) {

    /** The Debian/Ubuntu location of versioned installations. */
    public static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    /** The programs pgha runs; {@link #fileName()} is the standard name ({@code bin_name} keys are the same). */
    public enum Program {
        POSTGRES("postgres"),
        PG_CTL("pg_ctl"),
        INITDB("initdb"),
        PG_CONTROLDATA("pg_controldata"),
        PG_BASEBACKUP("pg_basebackup"),
        PG_REWIND("pg_rewind"),
        PG_ISREADY("pg_isready");

        private final String fileName;

        Program(String fileName) {
            this.fileName = fileName;
        }

        public String fileName() {
            return fileName;
        }

        /** The program whose {@code bin_name} key is {@code key}. */
        public static Optional<Program> byKey(String key) {
            for (Program p : values()) {
                if (p.fileName.equals(key)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }
    }

    public PostgresBinaries {
        Objects.requireNonNull(directory, "directory is null");
        names = Map.copyOf(names);
    }

    /**
     * Finds the bin directory.
     *
     * @param configured {@code postgresql.bin_dir}, if set
     * @param binNames {@code postgresql.bin_name} (keys are program names such as {@code pg_ctl}; unknown keys are
     *        ignored)
     * @throws PostgresException {@code POSTGRES_BINARY_MISSING} when nothing is configured and no installation is
     *         found, or the configured directory does not hold {@code postgres}
     */
    public static PostgresBinaries locate(Optional<Path> configured, Map<String, String> binNames) {
        return locate(configured, binNames, DEBIAN_ROOT);
    }

    static PostgresBinaries locate(Optional<Path> configured, Map<String, String> binNames, Path debianRoot) {
        Map<Program, String> names = new EnumMap<>(Program.class);
        binNames.forEach((k, v) -> Program.byKey(k).ifPresent(p -> names.put(p, v)));
        Path dir = configured.orElseGet(() -> newestDebianBin(debianRoot).orElseThrow(() -> new PostgresException(
                PostgresException.BINARY_MISSING,
                "no PostgreSQL installation found under " + debianRoot + "/<version>/bin: install PostgreSQL"
                        + " (for example apt-get install postgresql-15) or set postgresql.bin_dir")));
        PostgresBinaries binaries = new PostgresBinaries(dir, names);
        binaries.require(Program.POSTGRES);
        return binaries;
    }

    private static Optional<Path> newestDebianBin(Path root) {
        Path best = null;
        double bestVersion = -1;
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(root)) {
            for (Path v : versions) {
                double n;
                try {
                    n = Double.parseDouble(v.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                if (n > bestVersion && Files.isExecutable(v.resolve("bin").resolve("postgres"))) {
                    bestVersion = n;
                    best = v.resolve("bin");
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(best);
    }

    /** The path of {@code program}, whether it exists or not. */
    public Path path(Program program) {
        return directory.resolve(names.getOrDefault(program, program.fileName()));
    }

    /**
     * The path of {@code program}.
     *
     * @throws PostgresException {@code POSTGRES_BINARY_MISSING} when it is not an executable file
     */
    public Path require(Program program) {
        Path p = path(program);
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            throw new PostgresException(PostgresException.BINARY_MISSING,
                    "PostgreSQL's " + program.fileName() + " is not at " + p + ": set postgresql.bin_dir"
                            + (names.containsKey(program) ? " or fix postgresql.bin_name." + program.fileName()
                                    : " (or postgresql.bin_name." + program.fileName() + ")"));
        }
        return p;
    }
}
