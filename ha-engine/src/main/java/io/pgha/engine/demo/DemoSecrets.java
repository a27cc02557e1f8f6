package io.pgha.engine.demo;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;

/**
 * The demo cluster's database passwords: generated on the first run, kept in {@code secrets.properties} (0600) and
 * reused afterwards, since they are stored in the cluster's data.
 *
 * @param superuser password of {@code postgres}
 * @param replication password of {@code replicator}
 */
public record DemoSecrets(String superuser, String replication) {

    public static final String SUPERUSER = "postgres";
    public static final String REPLICATION_USER = "replicator";

    private static final SecureRandom RANDOM = new SecureRandom();

    @Override
    public String toString() {
        return "DemoSecrets[****]";
    }

    /** The passwords in {@code file}, generated and written first when it does not exist. */
    public static DemoSecrets loadOrCreate(Path file) {
        if (Files.exists(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            String su = p.getProperty("superuser_password");
            String repl = p.getProperty("replication_password");
            if (su == null || su.isBlank() || repl == null || repl.isBlank()) {
                throw new DemoException(DemoException.INVALID, file + " lacks superuser_password or"
                        + " replication_password: restore it, or remove the base directory to start a new demo");
            }
            return new DemoSecrets(su, repl);
        }
        DemoSecrets s = new DemoSecrets(generate(), generate());
        Properties p = new Properties();
        p.setProperty("superuser_user", SUPERUSER);
        p.setProperty("superuser_password", s.superuser);
        p.setProperty("replication_user", REPLICATION_USER);
        p.setProperty("replication_password", s.replication);
        StringWriter w = new StringWriter();
        try {
            p.store(w, "pgha demo: generated database passwords (the cluster's data holds them too)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrivateFiles.write(file, w.toString());
        return s;
    }

    /** A libpq password file: the superuser on every member's PostgreSQL port. */
    public void writePgpass(Path file, Map<String, MemberPorts> ports) {
        StringBuilder b = new StringBuilder();
        for (MemberPorts m : ports.values()) {
            b.append(DemoPaths.HOST).append(':').append(m.postgres()).append(":*:").append(SUPERUSER).append(':')
                    .append(superuser).append('\n');
        }
        PrivateFiles.write(file, b.toString());
    }

    /** 24 URL-safe characters: nothing that needs quoting in YAML, a connection string or a password file. */
    private static String generate() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
