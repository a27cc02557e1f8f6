package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.spi.PghaException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("REST API over TLS")
class TlsTest {
    @TempDir
    static Path dir;
    static OpenSsl ssl;
    static final Fixtures.Sources SOURCES = new Fixtures.Sources();

    @BeforeAll
    static void certificates() {
        ssl = new OpenSsl(dir);
        ssl.ca("ca");
        ssl.run("genrsa", "-traditional", "-out", "server.key", "2048");
        ssl.sign("server", "server.key", "ca", OpenSsl.SERVER_EXTENSIONS);
        ssl.write("server-with-key.pem", ssl.read("server.crt") + ssl.read("server.key"));
        ssl.run("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "server.key", "-out", "server-encrypted.key",
                "-passout", "pass:s3cret");
        ssl.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "client.key");
        ssl.sign("client", "client.key", "ca", OpenSsl.CLIENT_EXTENSIONS);
        ssl.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key");
    }

    @BeforeEach
    void reset() {
        SOURCES.reset();
    }

    static RestApiSettings.Tls tls(String cert, String key, String password, RestApiSettings.VerifyClient verify) {
        return new RestApiSettings.Tls(ssl.path(cert), Optional.ofNullable(key).map(ssl::path),
                Optional.ofNullable(password), Optional.of(ssl.path("ca.crt")), verify, List.of());
    }

    static RestApiServer start(RestApiSettings.Tls tls) {
        RestApiServer s = RestApiServer.builder(RestApiSettings.listen("127.0.0.1", 0).withTls(tls)
                        .withExtraHeaders(Map.of("X-Plain", "1"), Map.of("Strict-Transport-Security", "max-age=60")))
                .identity("batman", "node1").memberStatus(SOURCES).clusterView(SOURCES).switchover(SOURCES)
                .build();
        s.start();
        return s;
    }

    /** A client trusting the test CA, optionally presenting the client certificate. */
    static SSLContext client(boolean withCertificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", Pem.certificates(ssl.read("ca.crt")).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (withCertificate) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] pw = "x".toCharArray();
            keys.setKeyEntry("client", Pem.privateKey(ssl.read("client.key"), Optional.empty()), pw,
                    Pem.certificates(ssl.read("client.crt")).toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pw);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    static Http https(RestApiServer s, boolean withCertificate) throws Exception {
        return new Http("https://127.0.0.1:" + s.port(), client(withCertificate));
    }

    static BigInteger servedSerial(RestApiServer s) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(client(false)).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + s.port() + "/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    }

    @Test
    @DisplayName("serves a PKCS#1 key and CA-signed certificate; https_extra_headers are added")
    void serves() throws Exception {
        try (RestApiServer s = start(tls("server.crt", "server.key", null, RestApiSettings.VerifyClient.NONE))) {
            assertTrue(s.isHttps());
            Http.Response r = https(s, false).get("/patroni");
            assertEquals(200, r.status());
            assertEquals("node1", ((Map<?, ?>) r.object().get("patroni")).get("name"));
            assertEquals("max-age=60", r.header("Strict-Transport-Security"));
            assertEquals("1", r.header("X-Plain"));
            assertEquals(200, https(s, false).options("/primary").status());
        }
    }

    @Test
    @DisplayName("the key may sit in certfile, or be an encrypted PKCS#8 keyfile with keyfile_password")
    void keyForms() throws Exception {
        try (RestApiServer s = start(tls("server-with-key.pem", null, null, RestApiSettings.VerifyClient.NONE))) {
            assertEquals(200, https(s, false).get("/health").status());
        }
        try (RestApiServer s = start(tls("server.crt", "server-encrypted.key", "s3cret",
                RestApiSettings.VerifyClient.NONE))) {
            assertEquals(200, https(s, false).get("/health").status());
        }
    }

    @Test
    @DisplayName("unusable key material fails start with REST_TLS_INVALID and a precise message")
    void invalid() {
        PghaException wrongPassword = assertThrows(PghaException.class, () -> start(tls("server.crt",
                "server-encrypted.key", "guess", RestApiSettings.VerifyClient.NONE)));
        assertEquals("REST_TLS_INVALID", wrongPassword.code());
        assertTrue(wrongPassword.getMessage().contains("keyfile_password"), wrongPassword.getMessage());
        PghaException mismatch = assertThrows(PghaException.class, () -> start(tls("server.crt", "other.key", null,
                RestApiSettings.VerifyClient.NONE)));
        assertTrue(mismatch.getMessage().contains("does not belong"), mismatch.getMessage());
        PghaException noKey = assertThrows(PghaException.class, () -> start(tls("server.crt", null, null,
                RestApiSettings.VerifyClient.NONE)));
        assertTrue(noKey.getMessage().contains("no keyfile set"), noKey.getMessage());
        PghaException missing = assertThrows(PghaException.class, () -> start(tls("absent.crt", null, null,
                RestApiSettings.VerifyClient.NONE)));
        assertTrue(missing.getMessage().contains("restapi.certfile"), missing.getMessage());
    }

    @Test
    @DisplayName("verify_client required: no handshake without a client certificate signed by cafile")
    void clientCertificateRequired() throws Exception {
        try (RestApiServer s = start(tls("server.crt", "server.key", null, RestApiSettings.VerifyClient.REQUIRED))) {
            assertEquals(200, https(s, true).get("/patroni").status());
            Http anonymous = https(s, false);
            assertThrows(java.io.UncheckedIOException.class, () -> anonymous.get("/patroni"));
        }
    }

    @Test
    @DisplayName("verify_client optional: reads are open, changes need a client certificate (403)")
    void clientCertificateOptional() throws Exception {
        try (RestApiServer s = start(tls("server.crt", "server.key", null, RestApiSettings.VerifyClient.OPTIONAL))) {
            Http anonymous = https(s, false);
            assertEquals(200, anonymous.get("/patroni").status());
            Http.Response denied = anonymous.post("/switchover", "{\"leader\":\"node1\"}");
            assertEquals(403, denied.status());
            assertEquals("client certificate required", denied.body());
            assertEquals(400, https(s, true).post("/switchover", "{\"candidate\":\"node2\"}").status());
        }
    }

    @Test
    @DisplayName("reloadTls swaps the certificate for new connections, and only when the files changed")
    void reload() throws Exception {
        ssl.sign("reload", "server.key", "ca", OpenSsl.SERVER_EXTENSIONS);
        try (RestApiServer s = start(tls("reload.crt", "server.key", null, RestApiSettings.VerifyClient.NONE))) {
            BigInteger before = servedSerial(s);
            assertFalse(s.reloadTls());
            ssl.sign("reload", "server.key", "ca", OpenSsl.SERVER_EXTENSIONS);
            assertTrue(s.reloadTls());
            BigInteger after = servedSerial(s);
            assertNotEquals(before, after);
            ssl.write("reload.crt", "garbage");
            assertThrows(PghaException.class, s::reloadTls);
            assertEquals(after, servedSerial(s), "a failed reload keeps the old certificate");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
