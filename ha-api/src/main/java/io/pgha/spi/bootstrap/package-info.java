/**
 * Bootstrap methods: how the first member creates a brand-new cluster's data directory ({@code initdb}, or a custom
 * command such as a clone or a point-in-time restore). The engine owns everything around it: the {@code initialize}
 * race, starting PostgreSQL, waiting for the end of recovery, creating users, {@code post_bootstrap} and publishing
 * the result.
 *
 * @since 1.0
 */
package io.pgha.spi.bootstrap;
