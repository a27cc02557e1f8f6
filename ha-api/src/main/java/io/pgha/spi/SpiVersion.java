package io.pgha.spi;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Version of the pgha SPI, {@code major.minor}.
 *
 * <p>A minor release adds {@code default} methods and new types only, so a plugin built against {@code 1.0} runs on an
 * engine that implements {@code 1.3}. A major release may remove or change contracts. An engine therefore accepts a
 * plugin when the majors are equal and the plugin's minor is not newer than the engine's.
 *
 * <p>Immutable and thread-safe.
 *
 * @param major incompatible-change counter, at least 1
 * @param minor compatible-addition counter, at least 0
 * @since 1.0
 */
public record SpiVersion(int major, int minor) implements Comparable<SpiVersion> {

    /** The SPI version this copy of {@code ha-api} defines. Kept equal to the build's {@code pgha.spi.version}. */
    public static final SpiVersion CURRENT = new SpiVersion(1, 1);

    /** Name of the jar-manifest attribute in which a plugin records the SPI version it was built against. */
    public static final String MANIFEST_ATTRIBUTE = "Pgha-Spi-Version";

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,4})\\.(\\d{1,4})");

    public SpiVersion {
        if (major < 1 || minor < 0) {
            throw new IllegalArgumentException("SPI version must be major>=1, minor>=0, got " + major + "." + minor);
        }
    }

    /**
     * Parses {@code "major.minor"}.
     *
     * @throws IllegalArgumentException naming the text when it is not of that form
     */
    public static SpiVersion parse(String text) {
        Objects.requireNonNull(text, "text is null");
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an SPI version (expected major.minor, e.g. 1.0): '" + text + "'");
        }
        return new SpiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /**
     * Whether an engine implementing {@code this} version can run a plugin built against {@code pluginVersion}.
     */
    public boolean canRun(SpiVersion pluginVersion) {
        return pluginVersion.major == major && pluginVersion.minor <= minor;
    }

    @Override
    public int compareTo(SpiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
