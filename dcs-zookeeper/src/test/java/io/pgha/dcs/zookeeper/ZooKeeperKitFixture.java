package io.pgha.dcs.zookeeper;

import io.pgha.dcs.zookeeper.internal.EmbeddedZooKeeper;
import io.pgha.dcs.zookeeper.internal.ZooKeeperDcsClient;
import io.pgha.dcs.zookeeper.internal.ZooKeeperSettings.EmbeddedSettings;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.testkit.server.ZooKeeperProcess;
import io.pgha.testkit.dcs.DcsCapability;
import io.pgha.testkit.dcs.DcsKitFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The contract kit's fixture for the ZooKeeper backend, over one running server: Debian's ZooKeeper in a child
 * process ({@link #debian()}) or a standalone embedded one in this JVM ({@link #embedded()}). Clients are opened
 * through the provider with {@code hosts} pointing at the server; raw access goes through a separate Curator client.
 */
final class ZooKeeperKitFixture implements DcsKitFixture {
    /** The server side: where it is and how to stop and restart it. */
    interface Server extends AutoCloseable {
        String connectString();

        void stop();

        void start();

        String describe();

        @Override
        void close();
    }

    private final Server server;
    private final CuratorFramework raw;
    private final ZooKeeperDcsProvider provider = new ZooKeeperDcsProvider();

    ZooKeeperKitFixture(Server server) {
        this.server = server;
        this.raw = CuratorFrameworkFactory.builder().connectString(server.connectString()).sessionTimeoutMs(30_000)
                .connectionTimeoutMs(5_000).retryPolicy(new RetryNTimes(3, 200)).build();
        raw.start();
    }

    /** Debian's ZooKeeper ({@code apt-get install zookeeper}) in a child process with a 200 ms tick. */
    static ZooKeeperKitFixture debian() {
        ZooKeeperProcess zk = ZooKeeperProcess.builder().tickTime(Duration.ofMillis(200)).build();
        zk.startAndWait();
        return new ZooKeeperKitFixture(new Server() {
            @Override
            public String connectString() {
                return zk.connectString();
            }

            @Override
            public void stop() {
                zk.stop();
            }

            @Override
            public void start() {
                zk.restart();
            }

            @Override
            public String describe() {
                return "Debian ZooKeeper (pid " + zk.pid() + ") at " + zk.connectString();
            }

            @Override
            public void close() {
                zk.close();
            }
        });
    }

    /** A standalone embedded server on a free port with a 200 ms tick; restarts keep port and data. */
    static ZooKeeperKitFixture embedded() {
        Path dir;
        try {
            dir = Files.createTempDirectory("pgha-zk-embedded-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ZooKeeperKitFixture(new Server() {
            private EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(settings(0), dir, Duration.ofSeconds(30));
            private final int port = zk.clientPort();

            private EmbeddedSettings settings(int clientPort) {
                return new EmbeddedSettings(Optional.of(dir), "127.0.0.1", clientPort, Duration.ofMillis(200), 10, 5, 1,
                        List.of());
            }

            @Override
            public String connectString() {
                return "127.0.0.1:" + port;
            }

            @Override
            public synchronized void stop() {
                zk.close();
            }

            @Override
            public synchronized void start() {
                zk = EmbeddedZooKeeper.start(settings(port), dir, Duration.ofSeconds(30));
            }

            @Override
            public String describe() {
                return "embedded ZooKeeper at " + connectString();
            }

            @Override
            public synchronized void close() {
                zk.close();
            }
        });
    }

    @Override
    public DcsClient open(DcsContext context) {
        return provider.open(new ConfigSection("zookeeper", Map.of("hosts", server.connectString())), context);
    }

    @Override
    public Set<DcsCapability> capabilities() {
        return EnumSet.allOf(DcsCapability.class);
    }

    @Override
    public void crashClient(DcsClient client) {
        // the session is left to expire on the server, as when the agent's process dies
        ((ZooKeeperDcsClient) client).crash();
    }

    @Override
    public void stopServer() {
        server.stop();
    }

    @Override
    public void startServer() {
        server.start();
    }

    @Override
    public void writeRaw(String namespace, String scope, String relativeKey, String value) {
        String path = PatroniLayout.clusterPrefix(namespace, scope) + relativeKey;
        byte[] data = value.getBytes(StandardCharsets.UTF_8);
        try {
            if (raw.checkExists().forPath(path) == null) {
                raw.create().creatingParentsIfNeeded().forPath(path, data);
            } else {
                raw.setData().forPath(path, data);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot write " + path, e);
        }
    }

    @Override
    public Map<String, String> readRaw(String namespace, String scope) {
        String root = PatroniLayout.clusterPrefix(namespace, scope);
        root = root.substring(0, root.length() - 1);
        Map<String, String> out = new TreeMap<>();
        try {
            collect(root, root, out);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + root, e);
        }
        return out;
    }

    /** Nodes holding a value; the cluster node and the members/optime directories are containers, not keys. */
    private void collect(String root, String path, Map<String, String> out) throws Exception {
        Stat stat = new Stat();
        byte[] data;
        List<String> children;
        try {
            data = raw.getData().storingStatIn(stat).forPath(path);
            children = raw.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return;
        }
        String relative = path.equals(root) ? "" : path.substring(root.length() + 1);
        boolean container = relative.isEmpty() || relative.equals("members") || relative.equals("optime");
        if ((data != null && data.length > 0) || (children.isEmpty() && !container)) {
            out.put(path, data == null ? "" : new String(data, StandardCharsets.UTF_8));
        }
        for (String child : children) {
            collect(root, path + "/" + child, out);
        }
    }

    @Override
    public String describe() {
        return server.describe();
    }

    @Override
    public void close() {
        try {
            raw.close();
        } finally {
            server.close();
        }
    }
}
