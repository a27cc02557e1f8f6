package io.pgha.engine.rest;

import java.util.Map;

/**
 * Carries out the control requests of the REST API that need the HA machinery: {@code POST /reload},
 * {@code POST|DELETE /restart}, {@code POST /reinitialize} and {@code PATCH|PUT /config}. The API has checked the
 * caller's access and parsed the body; everything else (validation of the request's keys, Patroni's status codes and
 * messages) is the implementation's.
 *
 * <p>Threading: called from the REST API's small pool for slow requests, possibly concurrently.
 */
public interface ControlHandler {

    /**
     * An answer: Patroni's status code and either its message (a {@link String}, sent as text) or a document (sent as
     * JSON).
     */
    record Answer(int status, Object body) {
    }

    /** {@code POST /reload}: re-read the configuration and reload PostgreSQL. */
    Answer reload();

    /** {@code POST /restart} with its (possibly empty) body: {@code schedule}, {@code role}, ... */
    Answer restart(Map<String, Object> request);

    /** {@code DELETE /restart}: forget a scheduled restart. */
    Answer cancelScheduledRestart();

    /** {@code POST /reinitialize}: re-create this replica's data directory from the leader. */
    Answer reinitialize(Map<String, Object> request);

    /** {@code PATCH /config}: merge {@code patch} into the DCS {@code config} key ({@code null} deletes a key). */
    Answer patchConfig(Map<String, Object> patch);

    /** {@code PUT /config}: replace the DCS {@code config} key. */
    Answer replaceConfig(Map<String, Object> config);

    /**
     * {@code POST /failsafe}: a leader that lost the DCS asks this member to confirm it ({@code name}, {@code conn_url},
     * {@code api_url}, {@code slots}).
     */
    Answer failsafe(Map<String, Object> request);

    /** No control: every request answers 501. */
    ControlHandler NONE = new ControlHandler() {
        private Answer none() {
            return new Answer(501, "not implemented by this member");
        }

        @Override
        public Answer reload() {
            return none();
        }

        @Override
        public Answer restart(Map<String, Object> request) {
            return none();
        }

        @Override
        public Answer cancelScheduledRestart() {
            return none();
        }

        @Override
        public Answer reinitialize(Map<String, Object> request) {
            return none();
        }

        @Override
        public Answer patchConfig(Map<String, Object> patch) {
            return none();
        }

        @Override
        public Answer replaceConfig(Map<String, Object> config) {
            return none();
        }

        @Override
        public Answer failsafe(Map<String, Object> request) {
            return none();
        }
    };
}
