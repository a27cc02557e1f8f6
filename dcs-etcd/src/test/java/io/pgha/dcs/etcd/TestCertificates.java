package io.pgha.dcs.etcd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with the {@code openssl}
 * command (PEM, PKCS#8 keys, as etcd and Netty read them).
 */
final class TestCertificates {
    final Path dir;
    final Path caCert;
    final Path serverCert;
    final Path serverKey;
    final Path clientCert;
    final Path clientKey;
    /** The client certificate followed by its key, in one file. */
    final Path clientBundle;
    /** The client key encrypted with {@link #KEY_PASSWORD}. */
    final Path clientKeyEncrypted;
    /** A CA that signed nothing here, to be distrusted. */
    final Path otherCaCert;

    static final String KEY_PASSWORD = "k3y-secret";

    private TestCertificates(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.crt");
        this.serverCert = dir.resolve("server.crt");
        this.serverKey = dir.resolve("server.key");
        this.clientCert = dir.resolve("client.crt");
        this.clientKey = dir.resolve("client.key");
        this.clientBundle = dir.resolve("client-bundle.pem");
        this.clientKeyEncrypted = dir.resolve("client-enc.key");
        this.otherCaCert = dir.resolve("other-ca.crt");
    }

    static TestCertificates create(Path dir) throws IOException, InterruptedException {
        TestCertificates c = new TestCertificates(dir);
        Files.writeString(dir.resolve("server.ext"),
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        String[] ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
        c.openssl(concat(new String[] {"req", "-x509"}, ec, new String[] {"-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=pgha-test-ca"}));
        c.openssl(concat(new String[] {"req", "-x509"}, ec, new String[] {"-keyout", "other-ca.key", "-out",
                "other-ca.crt", "-days", "2", "-subj", "/CN=pgha-other-ca"}));
        for (String who : List.of("server", "client")) {
            c.openssl(concat(new String[] {"req"}, ec, new String[] {"-keyout", who + ".key", "-out", who + ".csr",
                    "-subj", "/CN=pgha-test-" + who}));
            c.openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", who + ".crt", "-days", "2", "-extfile", who + ".ext");
        }
        c.openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "client.key", "-out", "client-enc.key", "-passout",
                "pass:" + KEY_PASSWORD);
        Files.writeString(c.clientBundle, Files.readString(c.clientCert) + Files.readString(c.clientKey));
        return c;
    }

    private static String[] concat(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] p : parts) {
            all.addAll(List.of(p));
        }
        return all.toArray(new String[0]);
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run openssl to make test certificates: install it with 'apt-get install openssl'", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
