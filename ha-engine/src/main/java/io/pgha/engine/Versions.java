package io.pgha.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The engine's own version and the Patroni version it reports for compatibility, read once from the build. */
public final class Versions {
    /** The Patroni release whose REST API, DCS layout and configuration pgha follows. */
    public static final String PATRONI_COMPATIBLE = "4.1.4";

    private static final Properties BUILD = load();

    private Versions() {
    }

    /** pgha's own version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String engine() {
        return BUILD.getProperty("version", "unknown");
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
