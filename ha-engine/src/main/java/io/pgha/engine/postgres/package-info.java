/**
 * The local PostgreSQL, driven the way Patroni drives it: process, configuration files, SQL, bootstrap, replica
 * creation, crash recovery and pg_rewind. Everything is bounded in time and fails with a
 * {@link io.pgha.engine.postgres.PostgresException} carrying a stable code.
 *
 * <ul>
 * <li>{@link io.pgha.engine.postgres.PostgresInstance}: the entry point: start (as the agent's own child), await
 * ready, stop with escalation, fence, restart, reload, follow, promote, single-user crash recovery, observe.
 * <li>{@link io.pgha.engine.postgres.PostgresSql}: bounded SQL (status, replication, slots, pending restart, roles,
 * checkpoint, promotion, timeline history).
 * <li>{@link io.pgha.engine.postgres.ClusterBootstrap}, {@link io.pgha.engine.postgres.ReplicaCreation},
 * {@link io.pgha.engine.postgres.Rewinder}: building a data directory (bootstrap / replica SPI methods) and bringing
 * a diverged one back.
 * <li>{@link io.pgha.engine.postgres.DatabaseCommandRunner} and {@link io.pgha.engine.postgres.DatabaseUser}: running
 * PostgreSQL's programs as the database OS user (through setpriv when the agent is root).
 * <li>Data: {@link io.pgha.engine.postgres.Lsn}, {@link io.pgha.engine.postgres.ControlData},
 * {@link io.pgha.engine.postgres.ServerStatus}, {@link io.pgha.engine.postgres.TimelineHistory}, ...; states:
 * {@link io.pgha.engine.postgres.ProcessState}, {@link io.pgha.engine.postgres.DbClusterState}.
 * </ul>
 */
package io.pgha.engine.postgres;
