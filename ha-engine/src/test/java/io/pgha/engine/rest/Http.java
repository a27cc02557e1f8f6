package io.pgha.engine.rest;

import io.pgha.spi.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** A small HTTP client for the tests: real requests over loopback. */
final class Http {
    private final HttpClient client;
    private final String base;

    Http(String base) {
        this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    Http(String base, SSLContext tls) {
        this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build());
    }

    private Http(String base, HttpClient client) {
        this.base = base;
        this.client = client;
    }

    static Http to(RestApiServer server) {
        return new Http((server.isHttps() ? "https" : "http") + "://127.0.0.1:" + server.port());
    }

    record Response(int status, String body, java.net.http.HttpHeaders headers) {
        Object json() {
            return Json.parse(body);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> object() {
            return (Map<String, Object>) json();
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    Response get(String path) {
        return send("GET", path, null, Map.of());
    }

    Response head(String path) {
        return send("HEAD", path, null, Map.of());
    }

    Response options(String path) {
        return send("OPTIONS", path, null, Map.of());
    }

    Response post(String path, String body) {
        return send("POST", path, body, Map.of());
    }

    Response post(String path, String body, Map<String, String> headers) {
        return send("POST", path, body, headers);
    }

    /** A POST whose body is streamed (chunked), so it carries no Content-Length. */
    Response postChunked(String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))))
                .build();
        return execute(request);
    }

    Response send(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return execute(b.build());
    }

    private Response execute(HttpRequest request) {
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
