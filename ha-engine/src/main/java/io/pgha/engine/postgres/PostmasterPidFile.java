package io.pgha.engine.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code postmaster.pid}, which a postmaster writes into its data directory while it runs: its pid, when it started,
 * its port, and (line 8) what it is doing. The status line is how {@code pg_ctl -w} knows a server accepts
 * connections; pgha reads it the same way.
 *
 * @param pid the postmaster's pid
 * @param dataDirectory the data directory it serves
 * @param startTime when it started (whole seconds)
 * @param port its port, 0 when not written yet
 * @param status what it is doing, {@link Status#UNKNOWN} when not written yet
 */
public record PostmasterPidFile(long pid, String dataDirectory, Optional<Instant> startTime, int port, Status status) {

    public static final String FILE_NAME = "postmaster.pid";

    /** Line 8 of the file. */
    public enum Status {
        STARTING, STOPPING, READY, STANDBY, UNKNOWN;

        /** Whether the server accepts connections: read-write ({@code ready}) or hot standby ({@code standby}). */
        public boolean acceptsConnections() {
            return this == READY || this == STANDBY;
        }
    }

    public PostmasterPidFile {
        Objects.requireNonNull(dataDirectory, "dataDirectory is null");
        Objects.requireNonNull(startTime, "startTime is null");
        Objects.requireNonNull(status, "status is null");
    }

    /** Reads the file in {@code dataDirectory}; empty when it does not exist or has no pid yet. */
    public static Optional<PostmasterPidFile> read(Path dataDirectory) {
        try {
            return parse(Files.readString(dataDirectory.resolve(FILE_NAME), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Parses the file's text; tolerates a file still being written (fewer lines). */
    public static Optional<PostmasterPidFile> parse(String text) {
        String[] lines = text.split("\n", -1);
        long pid;
        try {
            pid = Long.parseLong(lines[0].trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (pid <= 0) {
            return Optional.empty();
        }
        String dir = lines.length > 1 ? lines[1].trim() : "";
        Optional<Instant> start = Optional.empty();
        int port = 0;
        Status status = Status.UNKNOWN;
        try {
            if (lines.length > 2 && !lines[2].isBlank()) {
                start = Optional.of(Instant.ofEpochSecond(Long.parseLong(lines[2].trim())));
            }
            if (lines.length > 3 && !lines[3].isBlank()) {
                port = Integer.parseInt(lines[3].trim());
            }
        } catch (NumberFormatException e) {
            // a half-written line: leave the default
        }
        if (lines.length > 7 && !lines[7].isBlank()) {
            try {
                status = Status.valueOf(lines[7].trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                status = Status.UNKNOWN;
            }
        }
        return Optional.of(new PostmasterPidFile(pid, dir, start, port, status));
    }
}
