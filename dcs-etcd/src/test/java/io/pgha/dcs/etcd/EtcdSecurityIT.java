package io.pgha.dcs.etcd;

import static io.pgha.dcs.etcd.Clients.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.dcs.ClusterChangeListener.ChangeKind;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.MemberData;
import io.pgha.testkit.Timing;
import io.pgha.testkit.server.EtcdProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** TLS (cacert/cert/key, key_password, cert with the key inside) and user/password authentication. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdSecurityIT {
    private static final Timing T = Timing.current();
    private final DcsTimings timings = new DcsTimings(T.seconds(10), T.seconds(1), T.seconds(2));

    @TempDir
    static Path tmp;

    private TestCertificates certs;
    private EtcdProcess tlsEtcd;
    private EtcdProcess authEtcd;

    @BeforeAll
    void start() throws Exception {
        certs = TestCertificates.create(tmp);
        tlsEtcd = EtcdProcess.builder().clientTls(certs.serverCert, certs.serverKey, certs.caCert, true).build();
        tlsEtcd.startAndWait();
        authEtcd = EtcdProcess.start();
        try (Client root = Client.builder().endpoints(authEtcd.clientUrl()).build()) {
            Auth auth = root.getAuthClient();
            auth.roleAdd(bs("root")).get(10, TimeUnit.SECONDS);
            auth.userAdd(bs("root"), bs("r00t-pw")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bs("root"), bs("root")).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    void stop() {
        if (tlsEtcd != null) {
            tlsEtcd.close();
        }
        if (authEtcd != null) {
            authEtcd.close();
        }
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Acquire, publish, watch and read through a client opened with {@code section}. */
    private void works(ConfigSection section, String scope) {
        try (DcsClient a = Clients.open(section, scope, "a", timings);
                DcsClient b = Clients.open(section, scope, "b", timings)) {
            Recorder rec = new Recorder();
            b.watch(rec);
            long t0 = System.nanoTime();
            assertTrue(a.acquireLeader());
            a.publishMember(MemberData.builder().put("state", "running").build());
            assertTrue(b.read().isLeader("a"));
            assertTrue(b.read().member("a").isPresent());
            long w = System.nanoTime();
            assertTrue(a.releaseLeader());
            assertTrue(rec.await(ChangeKind.LEADER, w, T.seconds(2)) > 0, "the watch missed the release");
            System.out.println(scope + ": acquire+publish+2 reads+release+watch in " + ms(System.nanoTime() - t0) + " ms");
        }
    }

    private void refused(ConfigSection section, String scope, long withinMillis, String expectedText) {
        try (DcsClient c = Clients.open(section, scope, "x", timings)) {
            long t0 = System.nanoTime();
            DcsUnavailableException e = assertThrows(DcsUnavailableException.class, c::read);
            long took = ms(System.nanoTime() - t0);
            assertTrue(took <= withinMillis, scope + ": failed only after " + took + " ms: " + e.getMessage());
            assertTrue(e.getMessage().toLowerCase().contains(expectedText), scope + ": " + e.getMessage());
        }
    }

    @Nested
    @DisplayName("TLS")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Tls {
        private ConfigSection section(Object... more) {
            Object[] base = {"hosts", tlsEtcd.hostPort(), "protocol", "https", "cacert", certs.caCert.toString()};
            Object[] all = new Object[base.length + more.length];
            System.arraycopy(base, 0, all, 0, base.length);
            System.arraycopy(more, 0, all, base.length, more.length);
            return Clients.section(all);
        }

        @Test
        @DisplayName("cacert + cert + key: everything works, the watch included")
        void clientCertificate() {
            works(section("cert", certs.clientCert.toString(), "key", certs.clientKey.toString()), "tls-cert");
        }

        @Test
        @DisplayName("cert holding the key too, without key (Patroni allows it)")
        void bundle() {
            works(section("cert", certs.clientBundle.toString()), "tls-bundle");
        }

        @Test
        @DisplayName("an encrypted key with key_password")
        void encryptedKey() {
            works(section("cert", certs.clientCert.toString(), "key", certs.clientKeyEncrypted.toString(),
                    "key_password", TestCertificates.KEY_PASSWORD), "tls-encrypted-key");
        }

        @Test
        @DisplayName("https URL form")
        void url() {
            works(Clients.section("url", tlsEtcd.clientUrl(), "cacert", certs.caCert.toString(), "cert",
                    certs.clientCert.toString(), "key", certs.clientKey.toString()), "tls-url");
        }

        @Test
        @DisplayName("no client certificate, or a server signed by a CA we do not trust: DcsUnavailable in time")
        void refusedHandshakes() {
            long limit = timings.retryTimeout().plus(T.seconds(1.5)).toMillis();
            refused(section(), "tls-no-cert", limit, "etcd");
            refused(Clients.section("hosts", tlsEtcd.hostPort(), "protocol", "https", "cacert", certs.otherCaCert.toString(),
                    "cert", certs.clientCert.toString(), "key", certs.clientKey.toString()), "tls-untrusted", limit, "etcd");
        }
    }

    @Nested
    @DisplayName("authentication")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Authentication {
        @Test
        @DisplayName("username and password: everything works, the watch included")
        void userPassword() {
            works(Clients.section("hosts", authEtcd.hostPort(), "username", "root", "password", "r00t-pw"), "auth");
        }

        @Test
        @DisplayName("credentials in the url")
        void urlCredentials() {
            works(Clients.section("url", "http://root:r00t-pw@" + authEtcd.hostPort()), "auth-url");
        }

        @Test
        @DisplayName("a wrong password fails at once with a clear message; no credentials fail too")
        void wrongPassword() {
            refused(Clients.section("hosts", authEtcd.hostPort(), "username", "root", "password", "wrong"),
                    "auth-wrong", T.seconds(1).toMillis(), "authentication failed");
            refused(Clients.section("hosts", authEtcd.hostPort()), "auth-none",
                    timings.retryTimeout().plus(T.seconds(1.5)).toMillis(), "etcd");
        }
    }

    @Test
    @DisplayName("the etcd (v2) section works the same, on the v3 API")
    void v2SectionSpeaksV3() {
        ConfigSection section = new ConfigSection("etcd", java.util.Map.of("host", authEtcd.hostPort(),
                "username", "root", "password", "r00t-pw"));
        try (DcsClient c = new EtcdDcsProvider().open(section,
                io.pgha.testkit.FakeDcsContext.of("/service/", "v2-section", "n1", timings))) {
            assertTrue(c.acquireLeader());
            assertEquals(java.util.Optional.of("n1"), c.read().leader().map(io.pgha.spi.dcs.Leader::name));
        }
    }
}
