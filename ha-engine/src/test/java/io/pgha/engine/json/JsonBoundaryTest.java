package io.pgha.engine.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One JSON library inside the engine: Jackson. The ha-api codec ({@code io.pgha.spi.json}) exists for plugins, which
 * may not depend on Jackson; an engine class may use it only in a boundary package named here, where an SPI data
 * model hands the engine the codec's values. There is none today.
 */
class JsonBoundaryTest {
    /** Packages (as source directories) allowed to use the ha-api codec. */
    private static final List<String> BOUNDARY = List.of();
    private static final String CODEC_PACKAGE = "io.pgha.spi.json";

    @Test
    @DisplayName("no engine class outside the boundary packages uses the ha-api JSON codec")
    void codecOnlyAtTheBoundary() throws IOException {
        Path sources = Path.of("src/main/java");
        assertTrue(Files.isDirectory(sources.resolve("io/pgha/engine")), "run from the ha-engine module: " + sources
                .toAbsolutePath());
        List<Path> all;
        try (Stream<Path> files = Files.walk(sources)) {
            all = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(all.size() > 100, "scanned only " + all.size() + " sources");
        List<String> offenders = all.stream()
                .filter(p -> !p.getFileName().toString().equals("package-info.java"))
                .filter(p -> BOUNDARY.stream().noneMatch(b -> sources.relativize(p).startsWith(b)))
                .filter(JsonBoundaryTest::usesCodec)
                .map(p -> sources.relativize(p).toString())
                .toList();
        assertEquals(List.of(), offenders, "use io.pgha.engine.json.EngineJson (Jackson) instead of " + CODEC_PACKAGE);
    }

    private static boolean usesCodec(Path source) {
        try {
            return Files.readString(source).contains(CODEC_PACKAGE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
