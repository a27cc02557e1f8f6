/**
 * Lifecycle callbacks: Patroni's {@code postgresql.callbacks} scripts and {@code pre_promote}/{@code before_stop}
 * hooks, and the in-process {@link io.pgha.spi.callback.LifecycleListener} plugins that hear the same events.
 * {@link io.pgha.engine.callbacks.LifecycleEvents} is what the rest of the engine calls at each event point.
 */
package io.pgha.engine.callbacks;
