package io.pgha.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ProgramOptionsTest {
    private static final Set<String> FORBIDDEN = Set.of("pgdata", "pwfile");

    private static List<String> args(Map<String, Object> map, List<ConfigProblem> problems) {
        return ProgramOptions.arguments(new ConfigSection("bootstrap.initdb", map), FORBIDDEN, problems);
    }

    @Test
    @DisplayName("mapping form: name: value gives --name=value without quotes, true gives a flag")
    void mapping() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("encoding", "UTF8");
        m.put("locale", "'en_US.UTF-8'");
        m.put("data-checksums", true);
        m.put("wal-segsize", 32);
        m.put("no-instructions", false);
        m.put("empty", "");
        List<ConfigProblem> problems = new ArrayList<>();
        assertEquals(List.of("--encoding=UTF8", "--locale=en_US.UTF-8", "--data-checksums", "--wal-segsize=32"),
                args(m, problems));
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.stream().noneMatch(ConfigProblem::isError), problems.toString());
        assertEquals("bootstrap.initdb.no-instructions", problems.get(0).path());
    }

    @Test
    @DisplayName("list form, keyed by index: flags and single-key mappings, in order")
    void list() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("0", "data-checksums");
        m.put("1", Map.of("encoding", "\"UTF8\""));
        m.put("2", Map.of("a", "1", "b", "2"));
        List<ConfigProblem> problems = new ArrayList<>();
        assertEquals(List.of("--data-checksums", "--encoding=UTF8"), args(m, problems));
        assertEquals(1, problems.size());
        assertEquals("bootstrap.initdb.2", problems.get(0).path());
        assertTrue(problems.get(0).isError());
    }

    @Test
    @DisplayName("options the agent sets, and names that could smuggle them in, are errors")
    void forbidden() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pgdata", "/elsewhere");
        m.put("0", "pwfile");
        m.put("pgdata=/x", "y");
        m.put("--auth", "trust");
        List<ConfigProblem> problems = new ArrayList<>();
        assertEquals(List.of(), args(m, problems));
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.stream().allMatch(ConfigProblem::isError));
        assertTrue(problems.get(0).message().contains("agent sets itself"), problems.get(0).message());
    }

    @Test
    @DisplayName("a list as the user wrote it becomes a section keyed by index, read in order")
    void sectionFromList() {
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigSection s = ProgramOptions.section("bootstrap.initdb", List.of(Map.of("encoding", "UTF8"), "data-checksums"));
        assertEquals(List.of("--encoding=UTF8", "--data-checksums"), ProgramOptions.arguments(s, FORBIDDEN, problems));
        assertEquals(List.of(), problems);
        assertEquals(List.of(), ProgramOptions.section("x", null).keys().stream().toList());
    }
}
