package io.pgha.distribution.harness;

import io.pgha.testkit.server.ZooKeeperProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A standalone ZooKeeper from Debian's package ({@link ZooKeeperProcess}); members use Patroni's {@code zookeeper}
 * section. Keys are read with the server package's own command-line client ({@code ZooKeeperMain}), so the test
 * classpath needs no ZooKeeper client library.
 */
public final class ZooKeeperFixture implements DcsFixture {
    private static final String SERVER_JAR = System.getProperty("pgha.zookeeper.jar", ZooKeeperProcess.DEFAULT_JAR);
    /** slf4j's no-op binding from Debian: the command-line client's own logging would drown its answers. */
    private static final String NOP_LOGGER = "/usr/share/java/slf4j-nop.jar";

    private final ZooKeeperProcess zk;

    private ZooKeeperFixture(ZooKeeperProcess zk) {
        this.zk = zk;
    }

    /** Starts a fresh server on a free loopback port; fails (naming the package to install) when it is missing. */
    public static ZooKeeperFixture launch() {
        return new ZooKeeperFixture(ZooKeeperProcess.start());
    }

    @Override
    public String name() {
        return "zookeeper";
    }

    @Override
    public String configYaml() {
        return "zookeeper: {hosts: [\"" + zk.connectString() + "\"]}";
    }

    @Override
    public void start() {
        zk.startAndWait();
    }

    @Override
    public void stop() {
        zk.stop();
    }

    @Override
    public void freeze() {
        zk.pause();
    }

    @Override
    public void thaw() {
        zk.resume();
    }

    @Override
    public boolean isRunning() {
        return zk.isRunning();
    }

    /**
     * {@code ls -R} for the znode paths, then one {@code get -s} per path in a single client session: each answer is
     * the value followed by the stat block, which ends with {@code numChildren = }; that delimits the values.
     */
    @Override
    public SortedMap<String, String> readTree(String prefix) {
        String root = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        List<String> paths = new ArrayList<>();
        for (String line : cli("ls -R " + root + "\nquit\n").split("\n")) {
            String l = line.strip();
            if (l.startsWith(root + "/")) {
                paths.add(l);
            }
        }
        SortedMap<String, String> tree = new TreeMap<>();
        if (paths.isEmpty()) {
            return tree;
        }
        StringBuilder script = new StringBuilder();
        paths.forEach(p -> script.append("get -s ").append(p).append('\n'));
        script.append("quit\n");
        List<String> value = new ArrayList<>();
        boolean inStat = false;
        int index = 0;
        for (String line : cli(script.toString()).split("\n")) {
            if (index >= paths.size()) {
                break;
            }
            if (line.startsWith("Node does not exist")) {
                value.clear();
                index++;
                continue;
            }
            if (line.startsWith("cZxid = ")) {
                inStat = true;
                continue;
            }
            if (inStat) {
                if (line.startsWith("numChildren = ")) {
                    tree.put(paths.get(index++), String.join("\n", value).strip());
                    value.clear();
                    inStat = false;
                }
                continue;
            }
            if (!isNoise(line)) {
                value.add(line);
            }
        }
        return tree;
    }

    private static boolean isNoise(String line) {
        String l = line.strip();
        return l.isEmpty() || l.startsWith("Connecting to ") || l.startsWith("Welcome to ZooKeeper")
                || l.startsWith("JLine support") || l.startsWith("WATCHER::") || l.startsWith("WatchedEvent ");
    }

    private String cli(String script) {
        for (String jar : List.of(SERVER_JAR, NOP_LOGGER)) {
            if (!Files.isRegularFile(Path.of(jar))) {
                throw new IllegalStateException(jar + " is missing: run `apt-get install zookeeper` (it brings the "
                        + "client and slf4j's bindings)");
            }
        }
        String java = ProcessHandle.current().info().command().filter(c -> c.endsWith("/java"))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Procs.Result r = Procs.run(Duration.ofSeconds(30), List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-cp", SERVER_JAR + ":" + NOP_LOGGER, "org.apache.zookeeper.ZooKeeperMain",
                "-server", zk.connectString()), script);
        if (!r.ok()) {
            throw new IllegalStateException("ZooKeeper's command-line client failed (" + r.exitCode() + "): " + r.output());
        }
        return r.output();
    }

    @Override
    public String logTail(int lines) {
        return zk.logTail(lines);
    }

    @Override
    public void close() {
        try {
            zk.close();
        } catch (RuntimeException e) {
            System.out.println("it: closing ZooKeeper failed: " + e);
        }
    }

    @Override
    public String toString() {
        return "ZooKeeper at " + zk.connectString();
    }
}
