package io.pgha.dcs.consul.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context for an https agent, from Patroni's PEM options: {@code cacert} (trusted authorities; the JDK's
 * default trust when absent), {@code cert} and {@code key} (a client certificate; the key may sit in the cert file),
 * {@code verify: false} (trust any certificate; the host name is then not checked either).
 *
 * <p>Keys are read as PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}, rewrapped as
 * PKCS#8, which is what the JDK reads). Other forms are refused with the {@code openssl} command that converts them.
 */
final class TlsFiles {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----",
            Pattern.DOTALL);
    /** DER of AlgorithmIdentifier{rsaEncryption, NULL}. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private TlsFiles() {
    }

    /** A file that cannot be used, with a message for the operator; {@link #option} names the key. */
    static final class TlsFileException extends Exception {
        private static final long serialVersionUID = 1L;
        final String option;

        TlsFileException(String option, String message) {
            super(message);
            this.option = option;
        }
    }

    static SSLContext context(ConsulSettings s) throws TlsFileException {
        try {
            TrustManager[] trust = null;
            if (!s.verify()) {
                trust = new TrustManager[] {new TrustAnything()};
            } else if (s.cacert().isPresent()) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                List<X509Certificate> cas = certificates(read("cacert", s.cacert().get()));
                if (cas.isEmpty()) {
                    throw new TlsFileException("cacert", "'" + s.cacert().get() + "' holds no PEM certificate");
                }
                for (int i = 0; i < cas.size(); i++) {
                    ks.setCertificateEntry("ca" + i, cas.get(i));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                trust = tmf.getTrustManagers();
            }
            javax.net.ssl.KeyManager[] keys = null;
            if (s.cert().isPresent()) {
                String certText = read("cert", s.cert().get());
                List<X509Certificate> chain = certificates(certText);
                if (chain.isEmpty()) {
                    throw new TlsFileException("cert", "'" + s.cert().get() + "' holds no PEM certificate");
                }
                String keyOption = s.key().isPresent() ? "key" : "cert";
                String keyText = s.key().isPresent() ? read("key", s.key().get()) : certText;
                PrivateKey key = privateKey(keyOption, keyText);
                char[] none = new char[0];
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", key, none, chain.toArray(new Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, none);
                keys = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsFileException(s.cert().isPresent() ? "cert" : "cacert",
                    "cannot build a TLS context from cacert/cert/key: " + e.getMessage());
        }
    }

    private static String read(String option, String file) throws TlsFileException {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new TlsFileException(option, "file '" + file + "' does not exist or is not readable");
        }
        try {
            return Files.readString(p, StandardCharsets.US_ASCII).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new TlsFileException(option, "cannot read '" + file + "': " + e.getMessage());
        }
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(String text) {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                // headers (Proc-Type: ...) or garbage: not a block we can use
                out.add(new Block(m.group(1) + " (unreadable)", new byte[0]));
            }
        }
        return out;
    }

    private static List<X509Certificate> certificates(String text) throws GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (Block b : blocks(text)) {
            if (b.type().equals("CERTIFICATE")) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
            }
        }
        return out;
    }

    private static PrivateKey privateKey(String option, String text) throws TlsFileException {
        Optional<Block> block = blocks(text).stream().filter(b -> b.type().contains("PRIVATE KEY")).findFirst();
        if (block.isEmpty()) {
            throw new TlsFileException(option, "holds no PEM private key (expected BEGIN PRIVATE KEY)");
        }
        byte[] pkcs8 = switch (block.get().type()) {
            case "PRIVATE KEY" -> block.get().der();
            case "RSA PRIVATE KEY" -> rsaToPkcs8(block.get().der());
            default -> throw new TlsFileException(option, "holds a '" + block.get().type() + "' key, which is not "
                    + "supported: convert it with 'openssl pkcs8 -topk8 -nocrypt -in <key> -out <key>.pk8'");
        };
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                // not this algorithm
            }
        }
        throw new TlsFileException(option, "holds a private key that is not an RSA, EC or Ed25519 key the JDK reads");
    }

    /** PrivateKeyInfo{version 0, rsaEncryption, OCTET STRING{RSAPrivateKey}}. */
    private static byte[] rsaToPkcs8(byte[] pkcs1) {
        byte[] octets = der(0x04, pkcs1);
        byte[] body = new byte[3 + RSA_ALGORITHM.length + octets.length];
        body[0] = 0x02;
        body[1] = 0x01;
        body[2] = 0x00;
        System.arraycopy(RSA_ALGORITHM, 0, body, 3, RSA_ALGORITHM.length);
        System.arraycopy(octets, 0, body, 3 + RSA_ALGORITHM.length, octets.length);
        return der(0x30, body);
    }

    private static byte[] der(int tag, byte[] content) {
        int n = content.length;
        byte[] len;
        if (n < 0x80) {
            len = new byte[] {(byte) n};
        } else if (n < 0x100) {
            len = new byte[] {(byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            len = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            len = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        byte[] out = new byte[1 + len.length + n];
        out[0] = (byte) tag;
        System.arraycopy(len, 0, out, 1, len.length);
        System.arraycopy(content, 0, out, 1 + len.length, n);
        return out;
    }

    /** {@code verify: false}: Patroni's (requests') {@code verify=False}, every certificate accepted. */
    private static final class TrustAnything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
