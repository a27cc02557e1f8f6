/**
 * JSON inside the engine: one library (Jackson, which the engine needs anyway for YAML configuration) behind
 * {@link io.pgha.engine.json.EngineJson}. The hand-written codec in {@code ha-api} ({@code io.pgha.spi.json}) stays
 * there for plugins, which must not depend on Jackson; the engine does not call it (a test keeps that rule).
 */
package io.pgha.engine.json;
