/**
 * In-process lifecycle listeners: plugins told about the same events as Patroni's shell callbacks
 * ({@code on_start}, {@code on_stop}, {@code on_restart}, {@code on_reload}, {@code on_role_change}) and hooks
 * ({@code pre_promote}, {@code before_stop}), plus {@code post_promote}.
 *
 * @since 1.0
 */
package io.pgha.spi.callback;
