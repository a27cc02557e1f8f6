package io.pgha.engine.rest;

/**
 * Where the REST API reads this member's latest {@link MemberStatus}, implemented by the HA loop.
 *
 * <p>Threading: called concurrently from request threads. Must return at once (a volatile read of the last
 * snapshot): it must not query PostgreSQL or the DCS, take locks the HA loop holds while working, or block.
 */
@FunctionalInterface
public interface MemberStatusSource {

    /** The latest snapshot; never {@code null} (before the first HA cycle, a snapshot saying what is known). */
    MemberStatus current();
}
