package io.pgha.spi.dcs;

import io.pgha.spi.PluginContext;

/**
 * What a DCS client is opened with, beyond its configuration section.
 *
 * @since 1.0
 */
public interface DcsContext extends PluginContext {

    /** The timings in force when the client is opened; later changes arrive through {@link DcsClient#updateTimings}. */
    DcsTimings timings();
}
