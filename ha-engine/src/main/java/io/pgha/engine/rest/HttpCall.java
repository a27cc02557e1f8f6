package io.pgha.engine.rest;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import io.pgha.engine.json.EngineJson;
import io.pgha.engine.json.MalformedJsonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * One request and its response: the parsed path and query, and helpers that send exactly one response with the
 * server's standard headers. Used by one thread at a time.
 */
final class HttpCall {
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";

    private final HttpExchange exchange;
    private final String method;
    private final String path;
    private final Map<String, List<String>> query;
    private final Map<String, String> standardHeaders;
    private final int maxBody;
    private int status;

    HttpCall(HttpExchange exchange, Map<String, String> standardHeaders, int maxBody) {
        this.exchange = exchange;
        this.method = exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
        String rawPath = exchange.getRequestURI().getRawPath();
        this.path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        this.query = PatroniText.parseQuery(exchange.getRequestURI().getRawQuery());
        this.standardHeaders = standardHeaders;
        this.maxBody = maxBody;
    }

    String method() {
        return method;
    }

    /** The path as sent (not percent-decoded, as Patroni matches it), without the query. */
    String path() {
        return path;
    }

    /** The first path segment, which selects the endpoint ({@code /cluster/x} is {@code cluster}). */
    String endpoint() {
        String p = path.startsWith("/") ? path.substring(1) : path;
        int slash = p.indexOf('/');
        return slash >= 0 ? p.substring(0, slash) : p;
    }

    Map<String, List<String>> query() {
        return query;
    }

    Optional<String> header(String name) {
        return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
    }

    InetAddress remoteAddress() {
        return exchange.getRemoteAddress().getAddress();
    }

    /** Whether the TLS session carries a client certificate (which the handshake has verified). */
    boolean hasClientCertificate() {
        if (!(exchange instanceof HttpsExchange https)) {
            return false;
        }
        SSLSession session = https.getSSLSession();
        try {
            return session != null && session.getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    /** Whether a response was sent; 0 while none was. */
    int status() {
        return status;
    }

    boolean responded() {
        return status != 0;
    }

    /** A JSON body (HEAD gets the status line and headers only). */
    void json(int code, Object body) {
        send(code, JSON, EngineJson.write(body).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A plain-text message, as Patroni answers write requests. */
    void text(int code, String message) {
        text(code, message, Map.of());
    }

    void text(int code, String message, Map<String, String> extraHeaders) {
        send(code, TEXT, message.getBytes(StandardCharsets.UTF_8), extraHeaders);
    }

    /** A body of the given content type (the Prometheus text format of {@code /metrics}). */
    void body(int code, String contentType, String body) {
        send(code, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** {@code {"error": message}} for errors on read endpoints. */
    void jsonError(int code, String message) {
        json(code, Map.of("error", message));
    }

    /** The status and headers only (HAProxy's OPTIONS/HEAD checks, {@code /liveness}, {@code /readiness}). */
    void statusOnly(int code) {
        send(code, null, null, Map.of());
    }

    private void send(int code, String contentType, byte[] body, Map<String, String> extraHeaders) {
        if (responded()) {
            throw new IllegalStateException("response already sent (" + status + ")");
        }
        status = code;
        Headers h = exchange.getResponseHeaders();
        standardHeaders.forEach(h::set);
        extraHeaders.forEach(h::set);
        boolean withBody = body != null && !"HEAD".equals(method);
        if (withBody) {
            h.set("Content-Type", contentType);
        }
        try {
            // -1 tells the JDK server there is no body (it then sends Content-Length: 0, or nothing for HEAD)
            exchange.sendResponseHeaders(code, withBody && body.length > 0 ? body.length : -1);
            if (withBody && body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            // the client went away; nothing left to tell it
            RestHandler.LOG.debug("cannot send response {} to {}: {}", code, exchange.getRemoteAddress(), e.toString());
        }
    }

    /** Ends the exchange (idempotent); any unread request body is drained or the connection closed by the JDK. */
    void close() {
        exchange.close();
    }

    /** The outcome of reading a JSON request body. */
    sealed interface Body {
        record Parsed(Map<String, Object> object) implements Body {
        }

        /** The request was answered (411, 413 or 400). */
        record Answered() implements Body {
        }
    }

    /**
     * Reads the body as a JSON object, answering the errors itself: no {@code Content-Length} → 411, too large →
     * 413, unreadable, not JSON, not an object, or an empty object → 400.
     */
    Body readJsonObject() {
        return readJsonObject(false);
    }

    /** {@link #readJsonObject()}, accepting {@code {}}. */
    Body readJsonObjectOrEmpty() {
        return readJsonObject(true);
    }

    private Body readJsonObject(boolean emptyAllowed) {
        Optional<String> lengthHeader = header("Content-Length");
        if (lengthHeader.isEmpty()) {
            text(411, "Length Required: send the body with a Content-Length header");
            return new Body.Answered();
        }
        long length;
        try {
            length = Long.parseLong(lengthHeader.get().trim());
        } catch (NumberFormatException e) {
            text(400, "Bad request: Content-Length is not a number");
            return new Body.Answered();
        }
        if (length > maxBody) {
            text(413, "Payload Too Large: the body may have at most " + maxBody + " bytes", Map.of("Connection",
                    "close"));
            return new Body.Answered();
        }
        if (length <= 0) {
            text(400, "Bad request: the body is empty, expected a JSON object");
            return new Body.Answered();
        }
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes((int) length);
        } catch (IOException e) {
            text(400, "Bad request: cannot read the body");
            return new Body.Answered();
        }
        if (bytes.length < length) {
            text(400, "Bad request: the body is shorter than its Content-Length");
            return new Body.Answered();
        }
        Object parsed;
        try {
            parsed = EngineJson.parse(StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            text(400, "Bad request: the body is not UTF-8");
            return new Body.Answered();
        } catch (MalformedJsonException e) {
            text(400, "Bad request: " + e.getMessage());
            return new Body.Answered();
        }
        if (!(parsed instanceof Map<?, ?> map) || (map.isEmpty() && !emptyAllowed)) {
            text(400, "Bad request: expected a non-empty JSON object");
            return new Body.Answered();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) map;
        return new Body.Parsed(object);
    }
}
