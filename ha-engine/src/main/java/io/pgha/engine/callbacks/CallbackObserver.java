package io.pgha.engine.callbacks;

import java.time.Duration;

/**
 * Hears how each callback script and hook ended ({@code on_start} ... {@code on_role_change}, {@code pre_promote},
 * {@code before_stop}), for example to count runs and failures. Called on the thread that ran the script, after it
 * ended; an observer must be quick and must not throw.
 */
@FunctionalInterface
public interface CallbackObserver {
    /** How a run ended, as a metric label would say it. */
    enum Result {
        /** exit status 0 within the timeout */
        OK("ok"),
        /** a non-zero exit status, or the command could not be started or even split into words */
        FAILED("failed"),
        /** killed for outliving the callback timeout */
        TIMEOUT("timeout");

        private final String label;

        Result(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        static Result of(ScriptRunner.Outcome o) {
            return o.timedOut() ? TIMEOUT : o.succeeded() ? OK : FAILED;
        }
    }

    /**
     * @param event the configuration name of the script ({@code on_role_change}, {@code pre_promote}, ...)
     * @param result how it ended
     * @param took how long it ran; zero when it could not start
     */
    void ran(String event, Result result, Duration took);
}
