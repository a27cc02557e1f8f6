/**
 * A small, dependency-free JSON reader and writer, enough for the values pgha stores in the DCS. It exists so that
 * the data model and its wire format live in {@code ha-api} without pulling a JSON library into every plugin.
 *
 * @since 1.0
 */
package io.pgha.spi.json;
