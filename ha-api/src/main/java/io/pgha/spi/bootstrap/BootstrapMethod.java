package io.pgha.spi.bootstrap;

/**
 * One configured way to create a new cluster's data directory. Called once, from the HA loop's worker thread.
 *
 * @since 1.0
 */
public interface BootstrapMethod extends AutoCloseable {

    /**
     * Creates the data directory. On failure the engine removes whatever was left in it and releases the
     * {@code initialize} key.
     */
    BootstrapResult bootstrap(BootstrapRequest request);

    @Override
    default void close() {
    }
}
