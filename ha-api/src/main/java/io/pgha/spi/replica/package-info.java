/**
 * Replica-creation methods: how a new member gets its data directory ({@code create_replica_methods}:
 * {@code basebackup}, WAL-archive restore, rsync, or a third-party method). The engine tries the configured
 * methods in order until one succeeds.
 *
 * @since 1.0
 */
package io.pgha.spi.replica;
