package io.pgha.spi.callback;

/**
 * The points in a member's life that listeners and callback scripts hear about.
 *
 * @since 1.0
 */
public enum LifecycleEvent {
    /** PostgreSQL reached running after a start. */
    ON_START("on_start"),
    /** PostgreSQL was stopped. */
    ON_STOP("on_stop"),
    /** PostgreSQL was restarted. */
    ON_RESTART("on_restart"),
    /** PostgreSQL's configuration was reloaded. */
    ON_RELOAD("on_reload"),
    /** The member's role changed (promotion, demotion, following a new leader). */
    ON_ROLE_CHANGE("on_role_change"),
    /** The member holds the lock and is about to promote; a listener may veto. Synchronous. */
    PRE_PROMOTE("pre_promote"),
    /** The member was promoted and accepts writes. */
    POST_PROMOTE("post_promote"),
    /** PostgreSQL is about to be stopped. Synchronous. */
    BEFORE_STOP("before_stop");

    private final String configName;

    LifecycleEvent(String configName) {
        this.configName = configName;
    }

    /** The name used in the configuration ({@code postgresql.callbacks.on_start}, {@code postgresql.pre_promote}). */
    public String configName() {
        return configName;
    }
}
