package io.pgha.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pgha demo: how members are started")
class AgentLauncherTest {

    @Test
    @DisplayName("the agent command line: java, JVM options, class path, Main, agent <config>")
    void command() {
        AgentLauncher l = new AgentLauncher(AgentLauncher.javaCommand("/jdk/bin/java", List.of("-Xmx1m"), "a.jar:b.jar"),
                Map.of(), new DemoPaths(Path.of("/tmp/d")));
        assertEquals(List.of("/jdk/bin/java", "-Xmx1m", "-cp", "a.jar:b.jar", "io.pgha.engine.cli.Main", "agent",
                "/tmp/d/pg2/pgha.yml"), l.command("pg2"));
    }

    @Test
    @DisplayName("JVM options: bin/pgha's defaults, its logging configuration, then the demo's own minus a debugger")
    void jvmOptions(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/logback.xml"), "<configuration/>");
        List<String> opts = AgentLauncher.jvmOptions(List.of("-XX:+UseSerialGC", "-Xmx512m",
                "-agentlib:jdwp=transport=dt_socket,server=y,address=5005", "-XX:ArchiveClassesAtExit=a.jsa"),
                Map.of("PGHA_HOME", home.toString()));
        int n = AgentLauncher.AGENT_JVM_OPTIONS.size();
        assertEquals(AgentLauncher.AGENT_JVM_OPTIONS, opts.subList(0, n));
        assertEquals(List.of("-Dlogback.configurationFile=" + home.resolve("conf/logback.xml"), "-Xmx512m"),
                opts.subList(n, opts.size()));

        // under bin/pgha the logging option is inherited, not added twice
        List<String> inherited = AgentLauncher.jvmOptions(List.of("-Dlogback.configurationFile=/x.xml"),
                Map.of("PGHA_HOME", home.toString()));
        assertEquals(1, inherited.stream().filter(o -> o.startsWith("-Dlogback.configurationFile")).count());
    }

    @Test
    @DisplayName("the members' environment drops PATRONI_* and PGHA_STATE_DIR and names the plugins directory")
    void environment() {
        Map<String, String> env = AgentLauncher.agentEnvironment(Map.of("PATH", "/bin", "PATRONI_NAME", "x",
                "PGHA_STATE_DIR", "/s", "PGHA_HOME", "/opt/pgha"), Optional.of(Path.of("/opt/pgha/plugins")));
        assertEquals(Map.of("PATH", "/bin", "PGHA_HOME", "/opt/pgha", "PGHA_PLUGINS_DIR", "/opt/pgha/plugins"), env);
    }

    @Test
    @DisplayName("AGENT_JVM_OPTIONS are exactly the JVM_OPTS of bin/pgha")
    void sameAsLauncherScript() throws Exception {
        // the module's directory is the working directory of surefire
        Path script = Path.of("..", "distribution", "src", "main", "dist", "bin", "pgha");
        assertTrue(Files.isRegularFile(script), "the launcher script " + script.toAbsolutePath() + " is missing");
        String text = Files.readString(script).replace("\\\n", " ");
        Matcher m = Pattern.compile("(?m)^JVM_OPTS=\"([^\"]*)\"").matcher(text);
        assertTrue(m.find(), "no JVM_OPTS=\"...\" line in " + script);
        assertEquals(Arrays.asList(m.group(1).trim().split("\\s+")), AgentLauncher.AGENT_JVM_OPTIONS);
        assertFalse(AgentLauncher.AGENT_JVM_OPTIONS.isEmpty());
    }
}
