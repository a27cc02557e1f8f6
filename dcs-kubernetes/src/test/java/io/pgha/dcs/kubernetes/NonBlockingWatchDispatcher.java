package io.pgha.dcs.kubernetes;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Fabric8's CRUD dispatcher with watches that cannot freeze the mock API server.
 *
 * <p><b>The defect worked around.</b> In fabric8's mock (7.8.0, and still in 8.0.0), each watch sends its events from
 * a thread of its own, and that thread waits, up to 30 s, until Vert.x's event loop has written each event. When a
 * client closes a watch, the event loop runs the watch's close handler, which waits, up to a minute, for that thread
 * to finish. If an event was still on its way at that moment, each waits for the other: the mock's only event loop
 * stops serving every request for 30 s. The kit's short-lived clients close their watches right after writing, so
 * this happened several times per run (seen in thread dumps as the event loop in {@code
 * WatchEventsListener.onClosed} and the watch's thread in {@code VertxMockWebSocket.awaitWrite}), and requests timed
 * out.
 *
 * <p><b>The workaround.</b> Each watch is handed a socket whose {@code send} only queues the event for a writer thread
 * of this class, which performs fabric8's blocking write. The watch's own thread therefore never waits on the event
 * loop, its close handler returns at once, and events keep their order (one writer). An event queued when the client
 * closes the watch is dropped by the closed socket, as a real API server drops it.
 *
 * <p>Shipped in this module's test jar for the distribution's end-to-end tests, whose agents run against the same mock.
 */
public final class NonBlockingWatchDispatcher extends KubernetesCrudDispatcher {
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mock-api-watch-writer");
        t.setDaemon(true);
        return t;
    });

    @Override
    public MockResponse handleWatch(String path) {
        MockResponse response = super.handleWatch(path);
        WebSocketListener listener = response.getWebSocketListener();
        if (listener != null) {
            response.withWebSocketUpgrade(new QueuedSendListener(listener, writer));
        }
        return response;
    }

    /** Passes every event on to fabric8's listener, with a {@link QueuedSendSocket} in place of the real socket. */
    private static final class QueuedSendListener extends WebSocketListener {
        private final WebSocketListener delegate;
        private final ExecutorService writer;
        private WebSocket wrapped;
        private WebSocket wrapper;

        QueuedSendListener(WebSocketListener delegate, ExecutorService writer) {
            this.delegate = delegate;
            this.writer = writer;
        }

        /** The same wrapper for the same socket, so that the listener sees one socket throughout. */
        private synchronized WebSocket wrap(WebSocket socket) {
            if (wrapped != socket) {
                wrapped = socket;
                wrapper = new QueuedSendSocket(socket, writer);
            }
            return wrapper;
        }

        @Override
        public void onBeforeAccept(WebSocket webSocket, Response response) {
            delegate.onBeforeAccept(wrap(webSocket), response);
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            delegate.onOpen(wrap(webSocket), response);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            delegate.onMessage(wrap(webSocket), text);
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteString bytes) {
            delegate.onMessage(wrap(webSocket), bytes);
        }

        @Override
        public void onMessage(WebSocket webSocket, byte[] bytes) {
            delegate.onMessage(wrap(webSocket), bytes);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            delegate.onClosing(wrap(webSocket), code, reason);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            delegate.onClosed(wrap(webSocket), code, reason);
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            delegate.onFailure(wrap(webSocket), t, response);
        }
    }

    /** A socket whose sends are queued for the writer thread; closing and the request pass straight through. */
    private record QueuedSendSocket(WebSocket socket, ExecutorService writer) implements WebSocket {
        @Override
        public RecordedRequest request() {
            return socket.request();
        }

        @Override
        public boolean send(String text) {
            writer.execute(() -> socket.send(text));
            return true;
        }

        @Override
        public boolean send(byte[] bytes) {
            writer.execute(() -> socket.send(bytes));
            return true;
        }

        @Override
        public boolean close(int code, String reason) {
            return socket.close(code, reason);
        }
    }
}
