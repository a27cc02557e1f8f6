package io.pgha.dcs.zookeeper.internal;

import io.pgha.dcs.zookeeper.internal.ZooKeeperSettings.EmbeddedSettings;
import io.pgha.spi.PghaException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ZooKeeper server running inside this JVM ({@link ZooKeeperServerEmbedded}): standalone, or one peer of a
 * quorum. Its data lives in {@code <dataDir>/data} and survives restarts.
 *
 * <p>ZooKeeper keeps some JVM-wide state: the exit procedure (set to log-only here, so a server failure never
 * exits the agent) and, for configuration keys it does not know, system properties such as
 * {@code zookeeper.admin.enableServer=false}. Several embedded servers in one JVM (tests) share them harmlessly.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final EmbeddedSettings settings;
    private final Path baseDir;
    private ZooKeeperServerEmbedded server;
    private int boundClientPort;

    private EmbeddedZooKeeper(EmbeddedSettings settings, Path baseDir) {
        this.settings = settings;
        this.baseDir = baseDir;
    }

    /**
     * Starts a server and waits until it listens (standalone) or has joined its peers' election (quorum; a
     * quorum serves clients only once a majority runs).
     *
     * @param baseDir where {@code data/} and {@code myid} live
     * @param startTimeout how long to wait for the server to come up
     * @throws PghaException {@code ZOOKEEPER_EMBEDDED_START} when it cannot start
     */
    public static EmbeddedZooKeeper start(EmbeddedSettings settings, Path baseDir, Duration startTimeout) {
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(settings, baseDir.toAbsolutePath());
        zk.doStart(startTimeout);
        return zk;
    }

    private void doStart(Duration startTimeout) {
        Path dataDir = baseDir.resolve("data");
        try {
            Files.createDirectories(dataDir);
            removeStaleConfigFiles();
            if (settings.isQuorum()) {
                // QuorumPeerConfig reads the server id from <dataDir>/myid
                Files.writeString(dataDir.resolve("myid"), settings.serverId() + "\n", StandardCharsets.US_ASCII);
            }
        } catch (IOException e) {
            throw new PghaException("ZOOKEEPER_EMBEDDED_START", "cannot prepare the embedded ZooKeeper data directory "
                    + dataDir + ": " + e, e);
        }
        if (settings.clientPort() != 0) {
            // ZooKeeper only logs a bind failure and never reports "started": check first for a clear message
            checkBindable(settings.clientAddress(), settings.clientPort(), "client_port");
        }
        if (settings.isQuorum()) {
            EmbeddedSettings.Peer self = settings.peers().get(settings.serverId() - 1);
            checkBindable(self.host(), self.peerPort(), "peers[" + (settings.serverId() - 1) + "] peer port");
            checkBindable(self.host(), self.electionPort(), "peers[" + (settings.serverId() - 1) + "] election port");
        }

        Properties p = properties(dataDir);
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        // ZooKeeper loads its metrics provider through the context class loader (and its server thread inherits
        // it): under the engine's per-plugin class loader that must be ours
        Thread.currentThread().setContextClassLoader(EmbeddedZooKeeper.class.getClassLoader());
        try {
            server = ZooKeeperServerEmbedded.builder()
                    .baseDir(baseDir)
                    .configuration(p)
                    .exitHandler(ExitHandler.LOG_ONLY)
                    .build();
            server.start(Math.max(1, startTimeout.toMillis()));
            boundClientPort = portOf(server.getConnectionString());
        } catch (TimeoutException e) {
            closeQuietly();
            throw new PghaException("ZOOKEEPER_EMBEDDED_START", "the embedded ZooKeeper did not start within "
                    + startTimeout.toMillis() + " ms (data in " + dataDir + "); see the log for its error", e);
        } catch (Exception e) {
            closeQuietly();
            throw new PghaException("ZOOKEEPER_EMBEDDED_START", "cannot start the embedded ZooKeeper (data in "
                    + dataDir + "): " + e, e);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        LOG.info("embedded ZooKeeper {} listening for clients on {}:{} (data in {})",
                settings.isQuorum() ? "peer " + settings.serverId() + " of " + settings.peers().size() : "standalone",
                settings.clientAddress(), boundClientPort, dataDir);
    }

    private Properties properties(Path dataDir) {
        Properties p = new Properties();
        long tick = settings.tickTime().toMillis();
        p.setProperty("tickTime", Long.toString(tick));
        p.setProperty("initLimit", Integer.toString(settings.initLimit()));
        p.setProperty("syncLimit", Integer.toString(settings.syncLimit()));
        p.setProperty("dataDir", dataDir.toString());
        p.setProperty("clientPort", Integer.toString(settings.clientPort()));
        p.setProperty("clientPortAddress", settings.clientAddress());
        // Patroni's session timeout is the ttl: accept whatever ttl the cluster is configured with, rather than
        // ZooKeeper's default window of 2 to 20 ticks
        p.setProperty("minSessionTimeout", Long.toString(Math.max(2 * tick, 100)));
        p.setProperty("maxSessionTimeout", Long.toString(Duration.ofHours(1).toMillis()));
        p.setProperty("admin.enableServer", "false");
        // ZooKeeper allows 60 connections per client address by default; agents and tools on one host (and the
        // tests, with a hundred clients) need more
        p.setProperty("maxClientCnxns", "0");
        p.setProperty("4lw.commands.whitelist", "srvr,ruok,mntr");
        // keep the transaction logs and snapshots from growing forever in a long-running agent
        p.setProperty("autopurge.snapRetainCount", "3");
        p.setProperty("autopurge.purgeInterval", "1");
        if (settings.isQuorum()) {
            p.setProperty("quorumListenOnAllIPs", "false");
            for (int i = 0; i < settings.peers().size(); i++) {
                EmbeddedSettings.Peer peer = settings.peers().get(i);
                p.setProperty("server." + (i + 1), peer.host() + ":" + peer.peerPort() + ":" + peer.electionPort());
            }
        }
        return p;
    }

    /** The embedded server writes a fresh temporary copy of its configuration at every start; drop old ones. */
    private void removeStaleConfigFiles() throws IOException {
        try (DirectoryStream<Path> old = Files.newDirectoryStream(baseDir, "zookeeper.configuration*.properties")) {
            for (Path f : old) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static void checkBindable(String host, int port, String what) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new PghaException("ZOOKEEPER_EMBEDDED_START", "the embedded ZooKeeper cannot listen on " + host + ":"
                    + port + " (" + what + "): " + e.getMessage());
        }
    }

    private static int portOf(String connectionString) {
        return Integer.parseInt(connectionString.substring(connectionString.lastIndexOf(':') + 1));
    }

    /** The client port actually bound (differs from the configured one only when that was 0). */
    public int clientPort() {
        return boundClientPort;
    }

    /** The connect string for this server's clients: the whole ensemble in quorum mode. */
    public String clientConnectString() {
        return settings.clientConnectString(boundClientPort);
    }

    public Path dataDirectory() {
        return baseDir.resolve("data");
    }

    /** Stops the server; its data stays. Never throws. */
    @Override
    public void close() {
        closeQuietly();
        LOG.info("embedded ZooKeeper on port {} stopped", boundClientPort);
    }

    private void closeQuietly() {
        ZooKeeperServerEmbedded s = server;
        server = null;
        if (s == null) {
            return;
        }
        // ZooKeeper's close waits for its acceptor thread without a limit, and after a failed start that thread
        // never ends: close on a helper thread and wait a bounded time
        Thread closer = new Thread(() -> {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("stopping the embedded ZooKeeper failed", e);
            }
        }, "pgha-zookeeper-embedded-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            LOG.warn("the embedded ZooKeeper did not stop within {} ms", CLOSE_TIMEOUT.toMillis());
        }
    }

    @Override
    public String toString() {
        return "EmbeddedZooKeeper[" + Objects.toString(settings) + ", port " + boundClientPort + "]";
    }
}
