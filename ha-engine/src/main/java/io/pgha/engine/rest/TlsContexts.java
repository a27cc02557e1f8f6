package io.pgha.engine.rest;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.pgha.spi.PghaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** Builds the server's TLS context from Patroni-style PEM files, and lets it be swapped while the server runs. */
final class TlsContexts {
    private static final char[] STORE_PASSWORD = "pgha-in-memory".toCharArray();
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private TlsContexts() {
    }

    /** A loaded context and a digest of the files it came from (to tell whether a reload changes anything). */
    record Loaded(SSLContext context, String digest) {
    }

    /**
     * Reads {@code certfile}, {@code keyfile} and {@code cafile} and builds a server context.
     *
     * @throws PghaException {@code REST_TLS_INVALID} naming the file and what is wrong with it
     */
    static Loaded load(RestApiSettings.Tls tls) {
        String certText = read(tls.certFile(), "restapi.certfile");
        String keyText = tls.keyFile().map(p -> read(p, "restapi.keyfile")).orElse(certText);
        String caText = tls.caFile().map(p -> read(p, "restapi.cafile")).orElse("");
        try {
            List<X509Certificate> chain = Pem.certificates(certText);
            if (chain.isEmpty()) {
                throw invalid("restapi.certfile " + tls.certFile() + " holds no certificate");
            }
            PrivateKey key;
            try {
                key = Pem.privateKey(keyText, tls.keyFilePassword());
            } catch (Pem.PemException e) {
                String where = tls.keyFile().map(p -> "restapi.keyfile " + p)
                        .orElse("restapi.certfile " + tls.certFile() + " (no keyfile set)");
                throw invalid(where + ": " + e.getMessage());
            }
            checkPair(key, chain.get(0));

            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", key, STORE_PASSWORD, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, STORE_PASSWORD);

            TrustManager[] trust = null;
            if (tls.verifyClient() != RestApiSettings.VerifyClient.NONE && tls.caFile().isPresent()) {
                List<X509Certificate> cas = Pem.certificates(caText);
                if (cas.isEmpty()) {
                    throw invalid("restapi.cafile " + tls.caFile().get() + " holds no certificate");
                }
                KeyStore trusted = KeyStore.getInstance("PKCS12");
                trusted.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    trusted.setCertificateEntry("ca" + i, cas.get(i));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trusted);
                trust = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), trust, new SecureRandom());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(certText.getBytes(StandardCharsets.UTF_8));
            md.update(keyText.getBytes(StandardCharsets.UTF_8));
            md.update(caText.getBytes(StandardCharsets.UTF_8));
            md.update(tls.toString().getBytes(StandardCharsets.UTF_8));
            return new Loaded(ctx, HexFormat.of().formatHex(md.digest()));
        } catch (Pem.PemException e) {
            throw invalid(e.getMessage());
        } catch (GeneralSecurityException | IOException e) {
            throw new PghaException("REST_TLS_INVALID", "cannot set up TLS for the REST API: " + e.getMessage(), e);
        }
    }

    private static String read(Path p, String key) {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw invalid(key + " " + p + " cannot be read: " + e);
        }
    }

    private static PghaException invalid(String message) {
        return new PghaException("REST_TLS_INVALID", message);
    }

    /** Fails when the key does not belong to the certificate, which would otherwise surface as failing handshakes. */
    private static void checkPair(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        try {
            byte[] probe = "pgha key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] sig = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            if (!verify.verify(sig)) {
                throw invalid("the private key does not belong to the certificate " + cert.getSubjectX500Principal());
            }
        } catch (GeneralSecurityException e) {
            throw invalid("the private key does not belong to the certificate " + cert.getSubjectX500Principal()
                    + " (" + e.getMessage() + ")");
        }
    }

    /** Applies protocols, cipher suites and client-certificate policy to every connection. */
    static HttpsConfigurator configurator(SSLContext context, RestApiSettings.Tls tls) {
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLContext c = getSSLContext();
                SSLParameters p = c.getDefaultSSLParameters();
                Set<String> supportedProtocols = Set.of(c.getSupportedSSLParameters().getProtocols());
                p.setProtocols(PROTOCOLS.stream().filter(supportedProtocols::contains).toArray(String[]::new));
                if (!tls.ciphers().isEmpty()) {
                    Set<String> supported = Set.of(c.getSupportedSSLParameters().getCipherSuites());
                    String[] wanted = tls.ciphers().stream().filter(supported::contains).toArray(String[]::new);
                    if (wanted.length > 0) {
                        p.setCipherSuites(wanted);
                    }
                }
                switch (tls.verifyClient()) {
                    case REQUIRED -> p.setNeedClientAuth(true);
                    case OPTIONAL -> p.setWantClientAuth(true);
                    default -> p.setNeedClientAuth(false);
                }
                params.setSSLParameters(p);
            }
        };
    }

    /**
     * An {@link SSLContext} whose work is done by another one that can be replaced at any time: the JDK server keeps
     * the context it was given for its lifetime, so certificate reloads swap what this one delegates to. New
     * connections use the new certificate; established ones keep theirs.
     */
    static final class Swappable extends SSLContext {
        private final Delegate delegate;

        private Swappable(Delegate delegate, SSLContext initial) {
            super(delegate, initial.getProvider(), initial.getProtocol());
            this.delegate = delegate;
        }

        static Swappable of(SSLContext initial) {
            return new Swappable(new Delegate(initial), initial);
        }

        void swap(SSLContext next) {
            delegate.current = next;
        }
    }

    private static final class Delegate extends SSLContextSpi {
        private volatile SSLContext current;

        Delegate(SSLContext initial) {
            this.current = initial;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("already initialised");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return current.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return current.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return current.createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return current.createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return current.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return current.getSupportedSSLParameters();
        }
    }
}
