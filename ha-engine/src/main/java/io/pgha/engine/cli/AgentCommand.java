package io.pgha.engine.cli;

import io.pgha.engine.agent.Agent;
import io.pgha.engine.config.ConfigLoader;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pgha agent <config>}: runs one member from a Patroni-format configuration, in the foreground, until SIGTERM
 * or SIGINT — exactly as Patroni is run under systemd.
 */
@Command(mixinStandardHelpOptions = true, name = "agent", description = {"Run one cluster member from a Patroni-format configuration file (or directory).",
        "Without a path, PATRONI_CONFIGURATION or the PATRONI_* environment variables are used.",
        "Stops gracefully on SIGTERM/SIGINT: PostgreSQL is shut down cleanly and a leader releases its lock.",
        "SIGHUP re-reads the configuration and reloads PostgreSQL; it never stops anything."})
public final class AgentCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<config>", description = "configuration file or directory")
    private Path config;

    @Mixin
    private PluginsCommand.PluginsDirOption pluginsDir;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        routeJavaUtilLogging();
        // From now on SIGHUP reloads; the JVM's own reaction to it would run the shutdown hooks and stop the member.
        java.util.concurrent.atomic.AtomicReference<Agent> running = new java.util.concurrent.atomic.AtomicReference<>();
        HangUp.install(() -> {
            Agent a = running.get();
            if (a == null) {
                org.slf4j.LoggerFactory.getLogger(AgentCommand.class).info("SIGHUP before the agent started: ignored");
            } else {
                a.reload();
            }
        });
        Map<String, String> env = System.getenv();
        PluginRegistry plugins = PluginRegistry.load(pluginsDir.resolve(env));
        ConfigLoader loader = new ConfigLoader(env, new HashSet<>(plugins.names(PluginKind.DCS))).withRuntimeTimings();
        LoadedConfig loaded;
        try {
            loaded = loader.load(Optional.ofNullable(config));
        } catch (InvalidConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println((p.isError() ? "error: " : "warning: ") + p);
            }
            err.println("pgha: not starting: the configuration is invalid");
            err.flush();
            return 1;
        }
        Agent.applyLogging(loaded.config());
        Agent agent = Agent.start(loaded, plugins, env);
        agent.setConfigSource(() -> loader.load(Optional.ofNullable(config)));
        running.set(agent);
        Thread hook = new Thread(agent::stop, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        agent.awaitStopped();
        return 0;
    }

    static void routeJavaUtilLogging() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
