/**
 * The HA loop: one decision per {@code loop_wait} (or at once when the DCS reports a change), taken from the
 * cluster's state in the DCS and the local PostgreSQL's state, logged as one line whenever it changes.
 *
 * <p>{@link io.pgha.engine.ha.Ha} holds the decision tree as named branches, each returning the sentence that
 * describes what it did; {@link io.pgha.engine.ha.HaLoop} runs it on its own thread; {@link
 * io.pgha.engine.ha.LeaseGuard} fences PostgreSQL if the leader lock could expire while this member still runs as
 * primary, independently of the loop thread. {@link io.pgha.engine.ha.CycleListener} and {@link
 * io.pgha.engine.ha.FenceListener} let the decision journal and the metrics observe cycles and fencing without
 * entering the decision tree; {@link io.pgha.engine.ha.TimingReport} explains what the timings imply.
 */
package io.pgha.engine.ha;
