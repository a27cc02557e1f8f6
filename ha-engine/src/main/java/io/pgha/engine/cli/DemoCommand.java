package io.pgha.engine.cli;

import io.pgha.engine.demo.DemoDcs;
import io.pgha.engine.demo.DemoException;
import io.pgha.engine.demo.DemoOptions;
import io.pgha.engine.demo.DemoRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pgha demo}: a whole cluster on this machine with one command. Starts the members as child processes on
 * loopback, each with its own data directory and ports, using ZooKeeper embedded in the members as the DCS (or an
 * etcd given with {@code --dcs etcd}); prints the cluster once the leader runs and every replica streams; stops
 * everything on Ctrl-C (SIGINT) or SIGTERM, keeping the data for the next run unless {@code --clean}.
 */
@Command(mixinStandardHelpOptions = true, name = "demo", description = {
        "Start a demo cluster on this machine: N members on 127.0.0.1, each with its own data directory and ports.",
        "The DCS is ZooKeeper, one quorum peer embedded in each member: nothing else to set up.",
        "Prints the cluster once the leader runs and every replica streams, then runs until Ctrl-C or SIGTERM,"
                + " which stops every member. The data stays in the base directory for the next run (unless --clean).",
        "Run as root, PostgreSQL runs as the OS user postgres."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--members", paramLabel = "N", defaultValue = "3",
            description = "number of members, 1 to 9 (default: ${DEFAULT-VALUE}); named pg1 to pgN")
    private int members;

    @Option(names = "--base-dir", paramLabel = "DIR", defaultValue = "/tmp/pgha-demo",
            description = "where the members' data, configuration and logs live (default: ${DEFAULT-VALUE});"
                    + " when run as root, the OS user postgres must be able to enter every directory on its path")
    private Path baseDir;

    @Option(names = "--rest-port", paramLabel = "PORT", defaultValue = "8008",
            description = "REST API port of pg1; pgN uses PORT+N-1 (default: ${DEFAULT-VALUE}); must be free")
    private int restPort;

    @Option(names = "--pg-port", paramLabel = "PORT", defaultValue = "5432",
            description = "first PostgreSQL port; ports in use are skipped (default: ${DEFAULT-VALUE})")
    private int pgPort;

    @Option(names = "--scope", paramLabel = "NAME", defaultValue = "demo",
            description = "cluster name (default: ${DEFAULT-VALUE})")
    private String scope;

    @Option(names = "--dcs", paramLabel = "zookeeper|etcd", defaultValue = "zookeeper",
            description = "zookeeper: a ZooKeeper quorum embedded in the members (default); etcd: an etcd you run,"
                    + " given with --etcd-hosts")
    private String dcs;

    @Option(names = "--etcd-hosts", paramLabel = "HOST:PORT", split = ",",
            description = "etcd servers (v3 API), comma-separated; required with --dcs etcd")
    private List<String> etcdHosts = new ArrayList<>();

    @Option(names = "--clean", description = "delete the base directory (and with etcd the cluster's keys) on stop")
    private boolean clean;

    @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "180",
            description = "how long to wait for the leader and every replica (default: ${DEFAULT-VALUE});"
                    + " on timeout the members are stopped and the command exits with 1")
    private long startTimeout;

    @Mixin
    private PluginsCommand.PluginsDirOption pluginsDir = new PluginsCommand.PluginsDirOption();

    @Override
    public Integer call() throws InterruptedException {
        // the etcd client (gRPC) logs through java.util.logging: into the demo's log format, like the agent's
        AgentCommand.routeJavaUtilLogging();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DemoDcs kind = DemoDcs.parse(dcs).orElseThrow(() -> new DemoException(DemoException.INVALID,
                "--dcs: got '" + dcs + "', expected zookeeper or etcd"));
        DemoOptions options = new DemoOptions(members, baseDir, restPort, pgPort, scope, kind, etcdHosts, clean,
                Duration.ofSeconds(startTimeout), pluginsDir.resolve(System.getenv()));
        DemoRunner runner = new DemoRunner(options, out, err);
        // SIGINT and SIGTERM run the shutdown hooks: that is where the members are stopped
        Thread hook = new Thread(runner::stop, "pgha-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return runner.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook runs (or ran) anyway
            }
        }
    }
}
