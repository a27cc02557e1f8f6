package io.pgha.testkit;

import io.pgha.spi.CommandRunner;
import io.pgha.spi.PghaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CommandRunner} for tests: runs the program directly as the current OS user (the
 * {@link Command#asDatabaseUser()} flag is ignored), standard error merged into standard output, keeping the last
 * 64 KiB of output, and kills the program and its descendants when it outlives its timeout.
 *
 * <p>Thread-safe and stateless.
 *
 * @since 1.0
 */
public final class PlainCommandRunner implements CommandRunner {
    private static final int KEEP_CHARS = 64 * 1024;

    @Override
    public CommandResult run(Command command) {
        ProcessBuilder pb = new ProcessBuilder(command.argv()).redirectErrorStream(true);
        pb.environment().putAll(command.environment());
        command.workingDirectory().ifPresent(d -> pb.directory(d.toFile()));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new PghaException("COMMAND_FAILED_TO_START",
                    "cannot start " + command.argv().get(0) + ": " + e.getMessage(), e);
        }
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> drain(process.getInputStream(), out), "kit-cmd-output");
        reader.setDaemon(true);
        reader.start();
        boolean finished;
        try {
            finished = process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new CommandResult(-1, text(out), true);
        }
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new CommandResult(process.exitValue(), text(out), false);
    }

    private static void drain(InputStream in, StringBuilder out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (out) {
                    out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    if (out.length() > 2 * KEEP_CHARS) {
                        out.delete(0, out.length() - KEEP_CHARS);
                    }
                }
            }
        } catch (IOException e) {
            // the process went away; what was read so far is all there is
        }
    }

    private static String text(StringBuilder out) {
        synchronized (out) {
            return out.length() > KEEP_CHARS ? out.substring(out.length() - KEEP_CHARS) : out.toString();
        }
    }
}
