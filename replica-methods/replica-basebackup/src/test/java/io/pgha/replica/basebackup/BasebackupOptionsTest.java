package io.pgha.replica.basebackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.ProgramOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BasebackupOptionsTest {

    @Test
    @DisplayName("postgresql.basebackup options become arguments; connection and format options are refused")
    void basebackupOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max-rate", "'100M'");
        m.put("checkpoint", "fast");
        m.put("verbose", true);
        m.put("compress", "server-gzip");
        m.put("host", "elsewhere");
        m.put("wal-method", "fetch");
        m.put("0", "progress");
        m.put("1", Map.of("label", "pgha clone"));
        List<ConfigProblem> problems = new ArrayList<>();
        List<String> args = ProgramOptions.arguments(new ConfigSection("postgresql.basebackup", m),
                BasebackupReplicaProvider.FORBIDDEN, problems);
        assertEquals(List.of("--max-rate=100M", "--checkpoint=fast", "--verbose", "--compress=server-gzip",
                "--progress", "--label=pgha clone"), args);
        assertEquals(List.of("postgresql.basebackup.host", "postgresql.basebackup.wal-method"),
                problems.stream().map(ConfigProblem::path).toList());
        assertTrue(problems.stream().allMatch(ConfigProblem::isError));
    }
}
