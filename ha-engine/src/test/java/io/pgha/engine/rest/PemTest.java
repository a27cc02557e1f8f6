package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("PEM keys and certificates")
class PemTest {
    @TempDir
    static Path dir;
    static OpenSsl ssl;

    @BeforeAll
    static void keys() {
        ssl = new OpenSsl(dir);
        ssl.run("genrsa", "-traditional", "-out", "rsa-pkcs1.pem", "2048");
        ssl.run("pkcs8", "-topk8", "-nocrypt", "-in", "rsa-pkcs1.pem", "-out", "rsa-pkcs8.pem");
        ssl.run("ecparam", "-genkey", "-name", "prime256v1", "-out", "ec-sec1.pem");
        ssl.run("pkcs8", "-topk8", "-nocrypt", "-in", "ec-sec1.pem", "-out", "ec-pkcs8.pem");
        ssl.run("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "ec-sec1.pem", "-out", "ec-encrypted.pem",
                "-passout", "pass:s3cret");
        ssl.run("rsa", "-in", "rsa-pkcs1.pem", "-traditional", "-aes128", "-out", "rsa-legacy-encrypted.pem",
                "-passout", "pass:s3cret");
        ssl.run("genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem");
        ssl.ca("ca");
    }

    static PrivateKey key(String file, String password) {
        return Pem.privateKey(ssl.read(file), Optional.ofNullable(password));
    }

    @Test
    @DisplayName("PKCS#1 and PKCS#8 RSA keys read as the same key")
    void rsa() {
        PrivateKey pkcs1 = key("rsa-pkcs1.pem", null);
        assertEquals("RSA", pkcs1.getAlgorithm());
        assertEquals(pkcs1, key("rsa-pkcs8.pem", null));
        assertEquals(pkcs1, Pem.privateKey(ssl.read("rsa-pkcs1.pem").replace("\n", "\r\n"), Optional.empty()));
    }

    @Test
    @DisplayName("SEC1 (with EC PARAMETERS block before it) and PKCS#8 EC keys read as the same key")
    void ec() {
        assertTrue(ssl.read("ec-sec1.pem").contains("BEGIN EC PARAMETERS"));
        ECPrivateKey sec1 = (ECPrivateKey) key("ec-sec1.pem", null);
        ECPrivateKey pkcs8 = (ECPrivateKey) key("ec-pkcs8.pem", null);
        // the encodings differ (OpenSSL drops the inner curve parameters in PKCS#8), the key does not
        assertEquals(pkcs8.getS(), sec1.getS());
        assertEquals(pkcs8.getParams().getCurve(), sec1.getParams().getCurve());
    }

    @Test
    @DisplayName("an encrypted PKCS#8 key needs the right password")
    void encrypted() {
        assertEquals(((ECPrivateKey) key("ec-pkcs8.pem", null)).getS(),
                ((ECPrivateKey) key("ec-encrypted.pem", "s3cret")).getS());
        Pem.PemException wrong = assertThrows(Pem.PemException.class, () -> key("ec-encrypted.pem", "guess"));
        assertTrue(wrong.getMessage().contains("keyfile_password"), wrong.getMessage());
        Pem.PemException missing = assertThrows(Pem.PemException.class, () -> key("ec-encrypted.pem", null));
        assertTrue(missing.getMessage().contains("keyfile_password"), missing.getMessage());
    }

    @Test
    @DisplayName("legacy OpenSSL-encrypted keys are refused with a conversion hint")
    void legacyEncrypted() {
        Pem.PemException e = assertThrows(Pem.PemException.class, () -> key("rsa-legacy-encrypted.pem", "s3cret"));
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8"), e.getMessage());
        String crlf = ssl.read("rsa-legacy-encrypted.pem").replace("\n", "\r\n");
        Pem.PemException windows = assertThrows(Pem.PemException.class,
                () -> Pem.privateKey(crlf, Optional.of("s3cret")));
        assertTrue(windows.getMessage().contains("openssl pkcs8 -topk8"), windows.getMessage());
    }

    @Test
    @DisplayName("Ed25519 keys, certificates, and files without a key")
    void others() {
        assertTrue(key("ed25519.pem", null).getAlgorithm().startsWith("Ed"));
        assertEquals(1, Pem.certificates(ssl.read("ca.crt")).size());
        assertEquals(0, Pem.certificates(ssl.read("ec-pkcs8.pem")).size());
        assertThrows(Pem.PemException.class, () -> key("ca.crt", null));
    }
}
