package io.pgha.engine.postgres;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The signals pgha sends to a postmaster. Java can only send SIGTERM and SIGKILL itself, so the others go through
 * {@code kill(1)}; a root agent may signal the database user's processes, and a non-root agent runs as that user.
 */
enum UnixSignal {
    /** Smart shutdown: wait for sessions to end. */
    TERM,
    /** Fast shutdown: roll back sessions, checkpoint, exit. */
    INT,
    /** Immediate shutdown: exit without a checkpoint. */
    QUIT,
    /** Re-read the configuration files. */
    HUP,
    /** Cannot be caught. */
    KILL;

    /** Sends this signal; {@code false} when the process does not exist (any more) or cannot be signalled. */
    boolean send(long pid) {
        if (this == KILL) {
            return ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
        }
        try {
            Process kill = new ProcessBuilder("kill", "-s", name(), Long.toString(pid))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                return false;
            }
            return kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
