package io.pgha.dcs.zookeeper.internal;

import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsTimings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.common.ZKConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/** Builds {@link ZooKeeperDcsClient}s (and their embedded server) from parsed settings. */
public final class ZooKeeperClients {
    /** The largest answer the client accepts (ZooKeeper's default is 1 MB). */
    static final int MAX_PACKET = 64 * 1024 * 1024;

    private ZooKeeperClients() {
    }

    /**
     * Starts the embedded server when configured, then opens a client on it (or on the configured hosts).
     *
     * @throws PghaException {@code ZOOKEEPER_EMBEDDED_START} or {@code ZOOKEEPER_TLS} when that fails
     */
    public static ZooKeeperDcsClient open(ZooKeeperSettings settings, DcsContext context) {
        DcsTimings timings = context.timings();
        EmbeddedZooKeeper embedded = null;
        if (settings.embedded().isPresent()) {
            ZooKeeperSettings.EmbeddedSettings es = settings.embedded().get();
            Path base = es.dataDir().orElse(context.stateDirectory().resolve("zookeeper"));
            embedded = EmbeddedZooKeeper.start(es, base, timings.retryTimeout());
        }
        try {
            String connectString = settings.connectString(Optional.ofNullable(embedded)
                    .map(EmbeddedZooKeeper::clientConnectString));
            Optional<Path> keyStore = settings.tls().flatMap(t -> keyStoreFile(t, context.stateDirectory()));
            Function<Duration, ZkSession> sessions = ttl -> newSession(settings, connectString, keyStore, ttl,
                    timings.retryTimeout());
            return new ZooKeeperDcsClient(context.namespace(), context.scope(), context.memberName(), timings,
                    acl(settings), sessions, embedded);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** The ACL put on every node this client creates. */
    static List<ACL> acl(ZooKeeperSettings settings) {
        if (settings.acls().isEmpty()) {
            return ZooDefs.Ids.OPEN_ACL_UNSAFE;
        }
        List<ACL> out = new ArrayList<>();
        for (ZooKeeperSettings.AclEntry e : settings.acls()) {
            int perms = 0;
            for (String p : e.permissions()) {
                perms |= switch (p) {
                    case "READ" -> ZooDefs.Perms.READ;
                    case "WRITE" -> ZooDefs.Perms.WRITE;
                    case "CREATE" -> ZooDefs.Perms.CREATE;
                    case "DELETE" -> ZooDefs.Perms.DELETE;
                    case "ADMIN" -> ZooDefs.Perms.ADMIN;
                    default -> ZooDefs.Perms.ALL;
                };
            }
            out.add(new ACL(perms, new Id(e.scheme(), e.id())));
        }
        return out;
    }

    private static ZkSession newSession(ZooKeeperSettings settings, String connectString, Optional<Path> keyStore,
            Duration ttl, Duration retryTimeout) {
        int sessionMs = (int) Math.min(Integer.MAX_VALUE, ttl.toMillis());
        int connectMs = (int) Math.min(sessionMs, settings.connectTimeout()
                .orElse(retryTimeout.compareTo(Duration.ofSeconds(10)) < 0 ? retryTimeout : Duration.ofSeconds(10))
                .toMillis());
        List<AuthInfo> auth = new ArrayList<>();
        settings.authData().forEach((scheme, credential) ->
                auth.add(new AuthInfo(scheme, credential.getBytes(StandardCharsets.UTF_8))));
        CuratorFramework framework = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(sessionMs)
                .connectionTimeoutMs(Math.max(1, connectMs))
                // used by Curator's own background work (the watch cache); our calls have their own deadline
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 1000, 29))
                // the connect string comes from the configuration, as in Patroni: do not follow /zookeeper/config
                .ensembleTracker(false)
                .authorization(auth)
                .zkClientConfig(clientConfig(settings, keyStore, retryTimeout))
                .threadFactory(threads())
                .maxCloseWaitMs(1000)
                .build();
        return new ZkSession(framework, connectString, sessionMs);
    }

    private static ZKClientConfig clientConfig(ZooKeeperSettings settings, Optional<Path> keyStore, Duration retryTimeout) {
        ZKClientConfig c = new ZKClientConfig();
        // bounds ZooKeeper's own synchronous requests (Curator's close): they otherwise wait for ever
        c.setProperty(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT, Long.toString(Math.max(1000, retryTimeout.toMillis())));
        // read() fetches the whole cluster in one multi-read, whose answer may exceed ZooKeeper's default 1 MB
        // packet limit (each value stays below it: the server enforces that on writes)
        c.setProperty(ZKConfig.JUTE_MAXBUFFER, Integer.toString(MAX_PACKET));
        // Patroni does not use SASL; without this the client probes for a JAAS section at every connect
        c.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
        settings.tls().ifPresent(t -> {
            // every TLS property is set explicitly: ZKClientConfig falls back to JVM-wide zookeeper.ssl.* system
            // properties, which an embedded server in the same JVM may have set for itself
            ClientX509Util x509 = new ClientX509Util();
            c.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
            c.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
            c.setProperty(x509.getSslTruststoreLocationProperty(), t.cacert().orElse(""));
            c.setProperty(x509.getSslTruststoreTypeProperty(), t.cacert().isPresent() ? "PEM" : "");
            c.setProperty(x509.getSslTruststorePasswdProperty(), "");
            c.setProperty(x509.getSslKeystoreLocationProperty(), keyStore.map(Path::toString).orElse(""));
            c.setProperty(x509.getSslKeystoreTypeProperty(), keyStore.isPresent() ? "PEM" : "");
            c.setProperty(x509.getSslKeystorePasswdProperty(), t.keyPassword().orElse(""));
            c.setProperty(x509.getSslHostnameVerificationEnabledProperty(), Boolean.toString(t.verify()));
            x509.close();
        });
        return c;
    }

    /**
     * ZooKeeper reads a PEM key store from one file holding the key and the certificate chain; Patroni names two
     * files. Concatenate them into a private file in the state directory.
     */
    private static Optional<Path> keyStoreFile(ZooKeeperSettings.Tls tls, Path stateDirectory) {
        if (tls.cert().isEmpty() || tls.key().isEmpty()) {
            return Optional.empty();
        }
        if (tls.cert().get().equals(tls.key().get())) {
            return Optional.of(Path.of(tls.cert().get()));
        }
        Path out = stateDirectory.resolve("zookeeper-client-keystore.pem");
        try {
            String key = Files.readString(Path.of(tls.key().get()));
            if (key.contains("BEGIN RSA PRIVATE KEY") || key.contains("BEGIN EC PRIVATE KEY")) {
                throw new PghaException("ZOOKEEPER_TLS", "the TLS key " + tls.key().get() + " is in the traditional "
                        + "OpenSSL format, which ZooKeeper cannot read: convert it to PKCS#8 with "
                        + "`openssl pkcs8 -topk8 -nocrypt -in <key> -out <key.pk8>` (or with -v2 aes256 and key_password)");
            }
            String pem = key.strip() + "\n" + Files.readString(Path.of(tls.cert().get())).strip() + "\n";
            Files.deleteIfExists(out);
            try {
                Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(out);
            }
            Files.writeString(out, pem, StandardOpenOption.TRUNCATE_EXISTING);
            return Optional.of(out);
        } catch (IOException e) {
            throw new PghaException("ZOOKEEPER_TLS", "cannot read the TLS client certificate or key ("
                    + tls.cert().get() + ", " + tls.key().get() + "): " + e.getMessage(), e);
        }
    }

    private static ThreadFactory threads() {
        AtomicInteger n = new AtomicInteger();
        ClassLoader loader = ZooKeeperClients.class.getClassLoader();
        return r -> {
            Thread t = new Thread(r, "pgha-zookeeper-" + n.incrementAndGet());
            t.setDaemon(true);
            // libraries that look classes up through the context class loader must see this plugin's
            t.setContextClassLoader(loader);
            return t;
        };
    }
}
