package io.pgha.engine.cli;

import org.slf4j.LoggerFactory;

/**
 * SIGHUP handling. The JVM treats SIGHUP like SIGTERM (it runs the shutdown hooks), but systemd's {@code ExecReload}
 * and Patroni's operators send it to mean "re-read your configuration". {@code sun.misc.Signal} is the only way to
 * replace that from Java; it is in the {@code jdk.unsupported} module, which every JDK ships.
 */
final class HangUp {
    private HangUp() {
    }

    /** From now on, SIGHUP runs {@code onHangUp} (on the JVM's signal thread) instead of stopping the process. */
    @SuppressWarnings("restriction")
    static void install(Runnable onHangUp) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                try {
                    onHangUp.run();
                } catch (RuntimeException e) {
                    LoggerFactory.getLogger(HangUp.class).error("reload on SIGHUP failed: {}", e.getMessage(), e);
                }
            });
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger(HangUp.class).warn("cannot handle SIGHUP here ({}); it will stop the agent",
                    e.getMessage());
        }
    }
}
