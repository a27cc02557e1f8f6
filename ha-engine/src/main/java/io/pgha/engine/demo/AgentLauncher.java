package io.pgha.engine.demo;

import io.pgha.engine.plugin.PluginsDirectory;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Starts one agent per member as a child process: {@code pgha agent <base>/<member>/pgha.yml} in a JVM like the one
 * {@code bin/pgha} starts (same java, class path and JVM options), output to the member's {@code agent.log}.
 */
public final class AgentLauncher {

    /**
     * The JVM options {@code bin/pgha} gives every agent (see the reasons there). Repeated here so that a demo started
     * some other way (an IDE, {@code java -cp}) still gives its members the agent's footprint; options of the demo's
     * own JVM come after them and so win.
     */
    public static final List<String> AGENT_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx192m",
            "-XX:MinHeapFreeRatio=20", "-XX:MaxHeapFreeRatio=40", "-XX:MaxMetaspaceSize=128m", "-Xss512k",
            "-XX:ReservedCodeCacheSize=48m", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
            "-XX:CompileThresholdScaling=0.05", "-XX:-UseCodeCacheFlushing", "-XX:-UsePerfData",
            "-XX:+UnlockDiagnosticVMOptions", "-XX:GuaranteedSafepointInterval=0", "-XX:AsyncDeflationInterval=2000",
            "-Dio.netty.allocator.type=unpooled", "-XX:+ExitOnOutOfMemoryError");

    static final String MAIN_CLASS = "io.pgha.engine.cli.Main";

    private final List<String> javaCommand;
    private final Map<String, String> environment;
    private final DemoPaths paths;

    /**
     * @param javaCommand the java binary, JVM options, class path and main class
     * @param environment the agents' environment
     */
    AgentLauncher(List<String> javaCommand, Map<String, String> environment, DemoPaths paths) {
        this.javaCommand = List.copyOf(javaCommand);
        this.environment = Map.copyOf(environment);
        this.paths = Objects.requireNonNull(paths, "paths is null");
    }

    /** A launcher that starts agents in a JVM like this one. */
    public static AgentLauncher forThisJvm(DemoPaths paths, Optional<Path> pluginsDir) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> jvm = jvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments(), System.getenv());
        return new AgentLauncher(javaCommand(java, jvm, System.getProperty("java.class.path")),
                agentEnvironment(System.getenv(), pluginsDir), paths);
    }

    static List<String> javaCommand(String java, List<String> jvmOptions, String classPath) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(MAIN_CLASS);
        return cmd;
    }

    /**
     * The agents' JVM options: {@link #AGENT_JVM_OPTIONS}, bin/pgha's logging configuration, then this JVM's own
     * options (which, under bin/pgha, are those plus {@code PGHA_JAVA_OPTS}). A debugger agent is left out (its port
     * would clash), and so is writing a class-data archive (all members would write the same file).
     */
    static List<String> jvmOptions(List<String> inherited, Map<String, String> env) {
        List<String> out = new ArrayList<>(AGENT_JVM_OPTIONS);
        boolean hasLogConfig = inherited.stream().anyMatch(a -> a.startsWith("-Dlogback.configurationFile="));
        String home = env.get(PluginsDirectory.ENV_HOME);
        if (!hasLogConfig && home != null && !home.isBlank() && Files.isRegularFile(Path.of(home, "conf", "logback.xml"))) {
            out.add("-Dlogback.configurationFile=" + Path.of(home, "conf", "logback.xml"));
        }
        for (String a : inherited) {
            if (a.startsWith("-agentlib:jdwp") || a.startsWith("-Xrunjdwp") || a.equals("-Xdebug")
                    || a.startsWith("-XX:ArchiveClassesAtExit") || out.contains(a)) {
                continue;
            }
            out.add(a);
        }
        return out;
    }

    /**
     * The demo's environment minus what would make every member the same or mix them up: {@code PATRONI_*}
     * overrides (a {@code PATRONI_NAME} would rename all of them) and {@code PGHA_STATE_DIR} (one state directory
     * for all). The plugins directory the demo found is passed on explicitly.
     */
    static Map<String, String> agentEnvironment(Map<String, String> env, Optional<Path> pluginsDir) {
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            if (!k.startsWith("PATRONI_") && !k.equals("PGHA_STATE_DIR")) {
                out.put(k, v);
            }
        });
        pluginsDir.ifPresent(d -> out.put(PluginsDirectory.ENV_PLUGINS_DIR, d.toString()));
        return out;
    }

    /** The full command line of member {@code name}'s agent. */
    List<String> command(String name) {
        List<String> cmd = new ArrayList<>(javaCommand);
        cmd.add("agent");
        cmd.add(paths.config(name).toString());
        return cmd;
    }

    /** Starts member {@code name}'s agent and records its pid in {@code agent.pid}. */
    MemberProcess start(String name) {
        Path log = paths.log(name);
        try {
            Files.writeString(log, "==== pgha demo: starting " + name + " at "
                    + OffsetDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + " ====\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(command(name))
                    .directory(paths.member(name).toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().clear();
            pb.environment().putAll(environment);
            Process p = pb.start();
            try {
                Files.writeString(paths.pid(name), p.pid() + "\n", StandardCharsets.US_ASCII);
            } catch (IOException e) {
                // an agent nobody can find would outlive the demo
                p.destroyForcibly();
                throw e;
            }
            return new MemberProcess(name, p, paths);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the agent of " + name + " (" + command(name).get(0) + ")", e);
        }
    }
}
