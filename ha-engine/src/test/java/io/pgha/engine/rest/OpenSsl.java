package io.pgha.engine.rest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the {@code openssl} command line to make keys and certificates at test time. */
final class OpenSsl {
    private final Path dir;

    OpenSsl(Path dir) {
        this.dir = dir;
    }

    /** Runs {@code openssl <args>} in the directory; fails the test with openssl's output when it fails. */
    void run(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("openssl did not finish within 60 s: " + command);
            }
            if (p.exitValue() != 0) {
                fail("openssl failed (" + p.exitValue() + "): " + command + "\n"
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            fail("these tests need the openssl command line tool (Debian: apt-get install openssl): " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
        }
    }

    Path path(String name) {
        return dir.resolve(name);
    }

    String read(String name) {
        try {
            return Files.readString(dir.resolve(name));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    void write(String name, String content) {
        try {
            Files.writeString(dir.resolve(name), content);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A self-signed P-256 CA: {@code <name>.key}, {@code <name>.crt}. */
    void ca(String name) {
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + name);
    }

    /** A certificate {@code <name>.crt} for the existing key {@code <keyFile>}, signed by CA {@code <ca>}. */
    void sign(String name, String keyFile, String ca, String extensions) {
        write(name + ".ext", extensions + "\n");
        run("req", "-new", "-key", keyFile, "-out", name + ".csr", "-subj", "/CN=" + name);
        run("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-set_serial",
                "0x" + Long.toHexString(System.nanoTime() & Long.MAX_VALUE), "-out", name + ".crt", "-days", "2",
                "-extfile", name + ".ext");
    }

    static final String SERVER_EXTENSIONS = "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            + "extendedKeyUsage=serverAuth";
    static final String CLIENT_EXTENSIONS = "extendedKeyUsage=clientAuth";
}
