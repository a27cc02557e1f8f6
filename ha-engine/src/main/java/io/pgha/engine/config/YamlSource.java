package io.pgha.engine.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads Patroni YAML documents from files, directories and text. Jackson's YAML parser follows YAML 1.1 scalars as
 * PyYAML (Patroni's parser) does: {@code on}/{@code yes} are booleans, {@code 0600} is octal.
 */
final class YamlSource {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private YamlSource() {
    }

    /**
     * Reads a file, or every {@code *.yml}/{@code *.yaml} file of a directory in name order, later files patched
     * over earlier ones. Empty when it could not be read; the reasons are in {@code problems}.
     */
    static Optional<Map<String, Object>> readPath(Path path, List<ConfigProblem> problems) {
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> list = Files.list(path)) {
                files = list.filter(p -> {
                    String n = p.getFileName().toString();
                    return (n.endsWith(".yml") || n.endsWith(".yaml")) && Files.isRegularFile(p);
                }).sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
            } catch (IOException e) {
                problems.add(ConfigProblem.error("", "cannot list configuration directory " + path + ": " + reason(e)));
                return Optional.empty();
            }
            if (files.isEmpty()) {
                problems.add(ConfigProblem.error("", "configuration directory " + path
                        + " contains no *.yml or *.yaml files"));
                return Optional.empty();
            }
            Map<String, Object> merged = new LinkedHashMap<>();
            boolean ok = true;
            for (Path f : files) {
                Optional<Map<String, Object>> doc = readFile(f, problems);
                if (doc.isPresent()) {
                    Trees.patch(merged, doc.get());
                } else {
                    ok = false;
                }
            }
            return ok ? Optional.of(merged) : Optional.empty();
        }
        if (!Files.exists(path)) {
            problems.add(ConfigProblem.error("", "configuration file " + path + " not found"));
            return Optional.empty();
        }
        // a single file goes through the same patch as a directory, so a key with a null value is dropped
        Optional<Map<String, Object>> doc = readFile(path, problems);
        if (doc.isEmpty()) {
            return doc;
        }
        Map<String, Object> merged = new LinkedHashMap<>();
        Trees.patch(merged, doc.get());
        return Optional.of(merged);
    }

    private static Optional<Map<String, Object>> readFile(Path file, List<ConfigProblem> problems) {
        String text;
        try {
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            problems.add(ConfigProblem.error("", "configuration file " + file + " is not UTF-8 text"));
            return Optional.empty();
        } catch (IOException e) {
            problems.add(ConfigProblem.error("", "cannot read configuration file " + file + ": " + reason(e)));
            return Optional.empty();
        }
        return readText(text, "configuration file " + file, problems);
    }

    /** Parses one YAML document whose top level must be a mapping; {@code origin} names it in problems. */
    static Optional<Map<String, Object>> readText(String text, String origin, List<ConfigProblem> problems) {
        List<Object> docs = new ArrayList<>();
        // read document by document: ObjectMapper.readValues would split a top-level list into its items
        try (JsonParser parser = YAML.getFactory().createParser(text)) {
            while (parser.nextToken() != null) {
                docs.add(YAML.readValue(parser, Object.class));
            }
        } catch (JsonProcessingException e) {
            problems.add(ConfigProblem.error("", origin + " is not valid YAML: " + describe(e)));
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            problems.add(ConfigProblem.error("", origin + " is not valid YAML: " + e.getMessage()));
            return Optional.empty();
        }
        if (docs.size() > 1) {
            problems.add(ConfigProblem.error("", origin + " holds " + docs.size()
                    + " YAML documents: expected a single document"));
            return Optional.empty();
        }
        Object doc = docs.isEmpty() ? null : docs.get(0);
        if (doc == null) {
            problems.add(ConfigProblem.warning("", origin + " is empty"));
            return Optional.of(new LinkedHashMap<>());
        }
        if (!(doc instanceof Map<?, ?> map)) {
            problems.add(ConfigProblem.error("", origin + " holds " + ConfigSection.describe(doc)
                    + " at the top: expected a mapping of keys to values (scope: ..., name: ..., ...)"));
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = (Map<String, Object>) Trees.copy(map);
        return Optional.of(copy);
    }

    /** Parses a YAML value (an environment variable's list or mapping). */
    static Object parseValue(String text) throws IOException {
        return YAML.readValue(text, Object.class);
    }

    static String describe(JsonProcessingException e) {
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked
                && marked.getProblemMark() != null) {
            return describe(marked);
        }
        String msg = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        // snakeyaml's messages span several lines with a caret diagram; keep the sentences only
        List<String> kept = new ArrayList<>();
        for (String line : msg.split("\\R")) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("in '") || t.startsWith("at [Source")) {
                continue;
            }
            if (t.chars().allMatch(c -> c == '^')) {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
                continue;
            }
            kept.add(t);
        }
        JsonLocation loc = e.getLocation();
        return (kept.isEmpty() ? msg.trim() : String.join(": ", kept))
                + (loc != null && loc.getLineNr() > 0 ? " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")" : "");
    }

    /**
     * Both places a YAML error has: where the broken construct starts (an unclosed bracket, a mapping) and where the
     * parser gave up, which is often lines later.
     */
    private static String describe(org.yaml.snakeyaml.error.MarkedYAMLException e) {
        var problem = e.getProblemMark();
        var context = e.getContextMark();
        StringBuilder b = new StringBuilder();
        if (e.getContext() != null) {
            b.append(e.getContext());
            if (context != null) {
                b.append(" (which starts at line ").append(context.getLine() + 1).append(", column ")
                        .append(context.getColumn() + 1).append(")");
            }
            b.append(": ");
        }
        b.append(e.getProblem() == null ? "invalid YAML" : e.getProblem());
        b.append(" (line ").append(problem.getLine() + 1).append(", column ").append(problem.getColumn() + 1)
                .append(")");
        return b.toString();
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "not found";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
