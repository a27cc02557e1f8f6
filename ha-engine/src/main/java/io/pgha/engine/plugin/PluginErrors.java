package io.pgha.engine.plugin;

/** The stable {@link io.pgha.spi.PghaException#code() codes} of plugin-loading failures. */
public final class PluginErrors {
    /** A plugin was built against an SPI version this engine cannot run, or does not say which one. */
    public static final String PLUGIN_INCOMPATIBLE = "PLUGIN_INCOMPATIBLE";
    /** Two providers of the same kind have the same name. */
    public static final String PLUGIN_DUPLICATE = "PLUGIN_DUPLICATE";
    /** A name was looked up that no loaded provider has. */
    public static final String PLUGIN_UNKNOWN = "PLUGIN_UNKNOWN";
    /** A plugin could not be read or its provider could not be instantiated. */
    public static final String PLUGIN_LOAD_FAILED = "PLUGIN_LOAD_FAILED";

    private PluginErrors() {
    }
}
