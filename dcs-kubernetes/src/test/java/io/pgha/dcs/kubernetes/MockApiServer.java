package io.pgha.dcs.kubernetes;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.pgha.testkit.server.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;

/**
 * Fabric8's mock Kubernetes API server in CRUD mode (objects are stored, watched and versioned in memory) on
 * 127.0.0.1 and a free port. It can be stopped and started again on the same port with the same objects, and writes
 * a kubeconfig that points at it, so that clients find it the way agents do.
 */
final class MockApiServer implements AutoCloseable {
    private final KubernetesCrudDispatcher dispatcher = new NonBlockingWatchDispatcher();
    private final int port;
    private KubernetesMockServer server;

    private MockApiServer(int port) {
        this.port = port;
        startServer();
    }

    static MockApiServer start() {
        // from this JVM's port block: a test that stops and restarts the mock gets its port back
        return new MockApiServer(LoopbackPorts.next());
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * A client for setting up and inspecting objects directly (not through the provider). It does not retry, and
     * gives up after 2 s, so that it fails at once while the server is stopped.
     */
    KubernetesClient client() {
        return client(Duration.ofSeconds(2));
    }

    /** Such a client, waiting up to {@code requestTimeout} for each answer. */
    KubernetesClient client(Duration requestTimeout) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url())
                .withRequestRetryBackoffLimit(0).withRequestTimeout((int) requestTimeout.toMillis())
                .withConnectionTimeout(1000).withNamespace("default").withHttp2Disable(true).build()).build();
    }

    /** Closes the port and every open connection; the objects stay. */
    synchronized void stop() {
        if (server != null) {
            server.destroy();
            server = null;
        }
    }

    /** Serves again on the same port, with the objects it held. */
    synchronized void restart() {
        if (server == null) {
            startServer();
        }
    }

    private void startServer() {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                    dispatcher, false);
            try {
                s.init(InetAddress.getLoopbackAddress(), port);
                server = s;
                return;
            } catch (RuntimeException e) {
                // the port of the previous instance may take a moment to be free again
                if (last == null) {
                    last = new IllegalStateException("cannot listen on 127.0.0.1:" + port, e);
                }
                try {
                    s.destroy();
                } catch (RuntimeException ignored) {
                    // it never started
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw last;
    }

    /** Writes a kubeconfig with one context, {@code pgha-mock}, pointing at this server. */
    Path writeKubeconfig(Path dir) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                contexts:
                - name: pgha-mock
                  context:
                    cluster: mock
                    user: nobody
                current-context: pgha-mock
                users:
                - name: nobody
                  user:
                    token: unused
                """.formatted(url());
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("kubeconfig");
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "fabric8 KubernetesMockServer (CRUD mode) at " + url();
    }

    @Override
    public synchronized void close() {
        stop();
    }
}
