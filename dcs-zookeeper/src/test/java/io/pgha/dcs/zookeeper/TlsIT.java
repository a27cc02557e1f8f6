package io.pgha.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.Precondition;
import io.pgha.testkit.FakeDcsContext;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code use_ssl}, {@code cacert}, {@code cert}, {@code key}: the client talks TLS (with a client certificate) to a
 * ZooKeeper server that requires it. Certificates are made with the JDK's keytool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsIT {
    private static final DcsTimings TIMINGS = new DcsTimings(Duration.ofSeconds(6), Duration.ofSeconds(1),
            Duration.ofSeconds(3));
    private static final String PASSWORD = "changeit";

    @TempDir
    static Path dir;

    private Properties savedSystemProperties;
    private ZooKeeperServerEmbedded server;
    private int securePort;
    private Path certPem;
    private Path keyPem;
    private Path otherCaPem;

    @BeforeAll
    void startServer() throws Exception {
        // ZooKeeper turns configuration keys it does not parse itself (ssl.*, serverCnxnFactory) into JVM-wide
        // system properties: restore them afterwards so that the other tests of this JVM are not affected
        savedSystemProperties = (Properties) System.getProperties().clone();
        Path keyStore = keytool("server", "CN=localhost");
        certPem = dir.resolve("server.crt");
        keyPem = dir.resolve("server.key");
        exportPem(keyStore, certPem, keyPem);
        Path other = keytool("other", "CN=other");
        otherCaPem = dir.resolve("other.crt");
        exportPem(other, otherCaPem, dir.resolve("other.key"));

        int plainPort = LoopbackPorts.next();
        securePort = LoopbackPorts.next();
        Properties p = new Properties();
        p.setProperty("tickTime", "200");
        p.setProperty("clientPort", Integer.toString(plainPort));
        p.setProperty("clientPortAddress", "127.0.0.1");
        p.setProperty("secureClientPort", Integer.toString(securePort));
        p.setProperty("secureClientPortAddress", "127.0.0.1");
        p.setProperty("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
        p.setProperty("ssl.keyStore.location", keyStore.toString());
        p.setProperty("ssl.keyStore.password", PASSWORD);
        p.setProperty("ssl.keyStore.type", "PKCS12");
        p.setProperty("ssl.trustStore.location", certPem.toString());
        p.setProperty("ssl.trustStore.type", "PEM");
        p.setProperty("ssl.clientAuth", "need");
        p.setProperty("admin.enableServer", "false");
        p.setProperty("minSessionTimeout", "400");
        p.setProperty("maxSessionTimeout", "60000");
        Path base = Files.createDirectories(dir.resolve("zk"));
        server = ZooKeeperServerEmbedded.builder().baseDir(base).configuration(p).exitHandler(ExitHandler.LOG_ONLY)
                .build();
        server.start(30_000);
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
        System.setProperties(savedSystemProperties);
    }

    private Path keytool(String alias, String dname) throws Exception {
        Path ks = dir.resolve(alias + ".p12");
        Path bin = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(bin.toString(), "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize",
                "2048", "-dname", dname, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype",
                "PKCS12", "-keystore", ks.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "keytool failed: " + out);
        return ks;
    }

    /** Writes the key store's certificate and its PKCS#8 private key as PEM, as Patroni's cert/key files are. */
    private static void exportPem(Path keyStore, Path cert, Path key) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        String alias = ks.aliases().nextElement();
        Certificate c = ks.getCertificate(alias);
        Key k = ks.getKey(alias, PASSWORD.toCharArray());
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(c.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(k.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private DcsClient open(String member, Path cacert) {
        FakeDcsContext ctx = FakeDcsContext.builder().scope("tls").memberName(member)
                .stateDirectory(dir.resolve("state-" + member)).timings(TIMINGS).build();
        try {
            Files.createDirectories(ctx.stateDirectory());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new ZooKeeperDcsProvider().open(new ConfigSection("zookeeper", Map.of(
                "hosts", List.of("127.0.0.1:" + securePort), "use_ssl", true, "cacert", cacert.toString(),
                "cert", certPem.toString(), "key", keyPem.toString(), "verify", true)), ctx);
    }

    @Test
    @DisplayName("with use_ssl, cacert, cert and key the client works over TLS with a client certificate")
    void tls() {
        try (DcsClient a = open("node1", certPem); DcsClient b = open("node2", certPem)) {
            assertTrue(a.writeConfig(Map.of("ttl", 30L), Precondition.any()));
            assertTrue(a.acquireLeader());
            assertEquals(Optional.of(30L), b.read().config().map(c -> c.data().get("ttl")));
            assertTrue(b.read().isLeader("node1"));
        }
    }

    @Test
    @DisplayName("a server certificate that cacert does not vouch for makes every call fail in bounded time")
    void untrustedServer() {
        try (DcsClient c = open("node3", otherCaPem)) {
            assertTimeoutPreemptively(Duration.ofSeconds(6),
                    () -> assertThrows(DcsUnavailableException.class, c::read));
        }
    }
}
