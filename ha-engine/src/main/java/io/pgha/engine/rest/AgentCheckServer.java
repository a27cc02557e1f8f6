package io.pgha.engine.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP port HAProxy's {@code agent-check} connects to ({@code restapi.agent_check_listen}, a pgha extension): it
 * reads the optional request line HAProxy's {@code agent-send} writes, answers one line ({@link AgentCheck}) and
 * closes. One daemon thread; each answer comes from the snapshot the REST API uses, never from PostgreSQL or the DCS,
 * so it cannot hang.
 */
public final class AgentCheckServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentCheckServer.class);
    /** HAProxy sends its agent-send text at once; a client that sends nothing gets the primary's answer after this. */
    private static final int READ_TIMEOUT_MS = 300;
    private static final int MAX_REQUEST = 256;

    private final ServerSocket socket;
    private final Thread thread;
    private final String name;
    private final String scope;
    private final MemberStatusSource statusSource;
    private final ClusterViewSource clusterSource;
    private final Clock clock;
    private volatile boolean closed;

    private AgentCheckServer(ServerSocket socket, String scope, String name, MemberStatusSource statusSource,
            ClusterViewSource clusterSource, Clock clock) {
        this.socket = socket;
        this.scope = scope;
        this.name = name;
        this.statusSource = statusSource;
        this.clusterSource = clusterSource;
        this.clock = clock;
        this.thread = new Thread(this::serve, "pgha-agent-check");
        thread.setDaemon(true);
    }

    /**
     * Binds {@code address} and starts answering.
     *
     * @throws io.pgha.spi.PghaException {@code AGENT_CHECK_BIND_FAILED} when the address cannot be bound
     */
    public static AgentCheckServer start(InetSocketAddress address, String scope, String name,
            MemberStatusSource statusSource, ClusterViewSource clusterSource, Clock clock) {
        ServerSocket s;
        try {
            s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(address, 16);
        } catch (IOException e) {
            throw new io.pgha.spi.PghaException("AGENT_CHECK_BIND_FAILED", "cannot listen for HAProxy's agent-check on "
                    + address + " (restapi.agent_check_listen): " + e.getMessage(), e);
        }
        AgentCheckServer server = new AgentCheckServer(s, Objects.requireNonNull(scope, "scope is null"),
                Objects.requireNonNull(name, "name is null"), statusSource, clusterSource, clock);
        server.thread.start();
        LOG.info("answering HAProxy's agent-check on {}", s.getLocalSocketAddress());
        return server;
    }

    /** The bound port. */
    public int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        while (!closed) {
            try (Socket c = socket.accept()) {
                c.setSoTimeout(READ_TIMEOUT_MS);
                String request = readLine(c.getInputStream());
                Snapshot s = Snapshot.take(name, scope, statusSource.current(), clusterSource.lastRead(),
                        clock.instant());
                String answer = AgentCheck.answer(s, request);
                OutputStream out = c.getOutputStream();
                out.write((answer + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.debug("agent-check connection failed: {}", e.toString());
                }
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        try {
            int ch;
            while (b.length() < MAX_REQUEST && (ch = in.read()) >= 0 && ch != '\n') {
                b.append((char) ch);
            }
        } catch (SocketTimeoutException e) {
            // nothing (more) sent: HAProxy without agent-send
        }
        return b.toString();
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing the agent-check port: {}", e.toString());
        }
    }
}
