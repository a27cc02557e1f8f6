package io.pgha.engine.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Whether a port can be used on 127.0.0.1; injectable so that port planning is testable without sockets. */
public interface PortProbe {

    /** What a port is for: PostgreSQL also needs its Unix socket name free. */
    enum Use { REST, POSTGRES, ZOOKEEPER }

    /** Whether {@code port} is free for {@code use} right now. */
    boolean isFree(int port, Use use);

    /** A port the kernel considers free now (a bind to port 0). */
    int anyFree();

    /** The machine's real sockets. */
    static PortProbe system() {
        return new PortProbe() {
            // PostgreSQL also creates /var/run/postgresql/.s.PGSQL.<port> (Debian's default socket directory) or
            // /tmp/.s.PGSQL.<port>: another server on the same port but another address still clashes there
            private final List<Path> socketDirs = List.of(Path.of("/var/run/postgresql"), Path.of("/tmp"));

            @Override
            public boolean isFree(int port, Use use) {
                if (use == Use.POSTGRES) {
                    for (Path dir : socketDirs) {
                        if (Files.exists(dir.resolve(".s.PGSQL." + port + ".lock"))) {
                            return false;
                        }
                    }
                }
                try (ServerSocket s = new ServerSocket()) {
                    // the same as a server sets, so that a port in TIME_WAIT from our own last run counts as free
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(InetAddress.getByName(DemoPaths.HOST), port));
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }

            @Override
            public int anyFree() {
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(DemoPaths.HOST))) {
                    return s.getLocalPort();
                } catch (IOException e) {
                    throw new DemoException(DemoException.PORT_IN_USE, "cannot find a free port on "
                            + DemoPaths.HOST + ": " + e.getMessage());
                }
            }
        };
    }
}
