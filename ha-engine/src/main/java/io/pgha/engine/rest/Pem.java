package io.pgha.engine.rest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads PEM certificates and private keys without third-party libraries: X.509 certificates, PKCS#8 keys (plain or
 * password-encrypted, e.g. {@code openssl genpkey} / {@code openssl pkcs8 -topk8}), PKCS#1 RSA keys
 * ({@code BEGIN RSA PRIVATE KEY}) and SEC1 EC keys ({@code BEGIN EC PRIVATE KEY}). The last two are rewrapped as
 * PKCS#8, which is all the JDK's key factories read. Legacy OpenSSL-encrypted keys ({@code Proc-Type: 4,ENCRYPTED})
 * are refused with a hint.
 */
final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\n(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final byte[] RSA_ALGORITHM = der(0x30, concat(
            der(0x06, new byte[] {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01}),
            new byte[] {0x05, 0x00}));
    private static final byte[] EC_PUBLIC_KEY_OID = der(0x06,
            new byte[] {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01});
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    private Pem() {
    }

    /** A failure to read key material, with a message fit for an operator. */
    static final class PemException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        PemException(String message) {
            super(message);
        }

        PemException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Block(String type, String headers, byte[] der) {
    }

    private static List<Block> blocks(String text) {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text.replace("\r\n", "\n"));
        while (m.find()) {
            String body = m.group(2);
            String headers = "";
            int blank = body.indexOf("\n\n");
            if (body.contains(":") && blank >= 0) {
                headers = body.substring(0, blank);
                body = body.substring(blank + 2);
            }
            try {
                out.add(new Block(m.group(1), headers, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new PemException("the " + m.group(1) + " block is not valid base64");
            }
        }
        return out;
    }

    /** Every {@code CERTIFICATE} block, in file order (server certificate first, as OpenSSL expects). */
    static List<X509Certificate> certificates(String text) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(text)) {
                if (b.type().equals("CERTIFICATE") || b.type().equals("TRUSTED CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new PemException("a certificate cannot be read: " + e.getMessage(), e);
        }
        return out;
    }

    /** Whether {@code text} holds a private key block of any kind. */
    static boolean hasPrivateKey(String text) {
        return blocks(text).stream().anyMatch(b -> b.type().endsWith("PRIVATE KEY"));
    }

    /**
     * The first private key in {@code text}.
     *
     * @param password for {@code ENCRYPTED PRIVATE KEY} blocks
     * @throws PemException when there is none or it cannot be read
     */
    static PrivateKey privateKey(String text, Optional<String> password) {
        for (Block b : blocks(text)) {
            switch (b.type()) {
                case "PRIVATE KEY":
                    return pkcs8(b.der());
                case "RSA PRIVATE KEY":
                    refuseLegacyEncryption(b);
                    return pkcs8(der(0x30, concat(VERSION_0, RSA_ALGORITHM, der(0x04, b.der()))));
                case "EC PRIVATE KEY":
                    refuseLegacyEncryption(b);
                    return pkcs8(der(0x30, concat(VERSION_0,
                            der(0x30, concat(EC_PUBLIC_KEY_OID, curveOf(b.der()))), der(0x04, b.der()))));
                case "ENCRYPTED PRIVATE KEY":
                    return pkcs8(decrypt(b.der(), password.orElseThrow(() -> new PemException(
                            "the private key is encrypted: set restapi.keyfile_password"))));
                default:
                    // certificates, EC PARAMETERS, ... are not keys
            }
        }
        throw new PemException("no private key found (expected a PEM block such as BEGIN PRIVATE KEY)");
    }

    private static void refuseLegacyEncryption(Block b) {
        if (b.headers().contains("ENCRYPTED")) {
            throw new PemException("OpenSSL-encrypted '" + b.type() + "' keys are not supported: convert the key with"
                    + " 'openssl pkcs8 -topk8 -v2 aes-256-cbc' (encrypted PKCS#8) or remove its password");
        }
    }

    private static PrivateKey pkcs8(byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | ClassCastException e) {
                // not this algorithm; try the next
            }
        }
        throw new PemException("the private key is not an RSA, EC, EdDSA or DSA key the JDK can read");
    }

    private static byte[] decrypt(byte[] der, String password) {
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            AlgorithmParameters params = info.getAlgParameters();
            // For PBES2 the parameters name the real scheme (e.g. PBEWithHmacSHA256AndAES_256); older schemes are
            // named by the algorithm itself.
            String scheme = params != null && params.toString().startsWith("PBE") ? params.toString()
                    : info.getAlgName();
            SecretKeyFactory factory = SecretKeyFactory.getInstance(scheme);
            Cipher cipher = Cipher.getInstance(scheme);
            cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())), params);
            return info.getKeySpec(cipher).getEncoded();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new PemException("the encrypted private key cannot be decrypted (wrong keyfile_password, or an"
                    + " encryption scheme the JDK does not support): " + e.getMessage(), e);
        }
    }

    /** The {@code [0] parameters} (named curve OID) of a SEC1 {@code ECPrivateKey}. */
    private static byte[] curveOf(byte[] sec1) {
        Der seq = Der.read(sec1, 0);
        if (seq.tag() != 0x30) {
            throw new PemException("the EC private key is not a DER sequence");
        }
        int pos = seq.contentStart();
        while (pos < seq.end()) {
            Der item = Der.read(sec1, pos);
            if (item.tag() == 0xa0) {
                Der oid = Der.read(sec1, item.contentStart());
                if (oid.tag() != 0x06) {
                    break;
                }
                return java.util.Arrays.copyOfRange(sec1, item.contentStart(), oid.end());
            }
            pos = item.end();
        }
        throw new PemException("the EC private key does not name its curve (explicit parameters are not supported)");
    }

    /** One DER element: tag, where its content starts, where it ends. */
    private record Der(int tag, int contentStart, int end) {
        static Der read(byte[] b, int pos) {
            if (pos + 2 > b.length) {
                throw new PemException("truncated DER data");
            }
            int tag = b[pos] & 0xff;
            int len = b[pos + 1] & 0xff;
            int start = pos + 2;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n == 0 || n > 3 || start + n > b.length) {
                    throw new PemException("unsupported DER length");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (b[start + i] & 0xff);
                }
                start += n;
            }
            if (start + len > b.length) {
                throw new PemException("truncated DER data");
            }
            return new Der(tag, start, start + len);
        }
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
