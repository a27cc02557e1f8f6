package io.pgha.engine.rest;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code restapi} section of the Patroni configuration, as far as the server uses it.
 *
 * @param listenHost address to bind; {@code ""}, {@code *}, {@code 0.0.0.0} or {@code ::} for all addresses
 * @param listenPort port to bind; 0 picks a free one (tests)
 * @param authentication {@code authentication: {username, password}}: Basic credentials required for every
 *        request that changes something (POST, PUT, PATCH, DELETE)
 * @param tls {@code certfile} and friends; empty for plain HTTP
 * @param allowlist {@code allowlist}: addresses, CIDR networks or host names allowed to change something; empty
 *        means everybody
 * @param allowlistIncludeMembers {@code allowlist_include_members}: also allow the hosts of the members' api_url
 * @param httpExtraHeaders {@code http_extra_headers}, added to every response
 * @param httpsExtraHeaders {@code https_extra_headers}, added to every response under TLS
 * @param requestQueueSize {@code request_queue_size}: the listen backlog (Patroni's default 5)
 * @param serverTokens {@code server_tokens}: what the {@code Server} header says
 * @param threadPoolSize {@code thread_pool_size}: threads serving requests (default 5)
 */
public record RestApiSettings(String listenHost, int listenPort, Optional<Credentials> authentication,
        Optional<Tls> tls, List<String> allowlist, boolean allowlistIncludeMembers,
        Map<String, String> httpExtraHeaders, Map<String, String> httpsExtraHeaders, int requestQueueSize,
        ServerTokens serverTokens, int threadPoolSize) {

    static final int DEFAULT_REQUEST_QUEUE_SIZE = 5;
    static final int DEFAULT_THREAD_POOL_SIZE = 5;

    private static final Set<String> KNOWN_KEYS = Set.of("listen", "connect_address", "proxy_address",
            "authentication", "certfile", "keyfile", "keyfile_password", "cafile", "ciphers", "verify_client",
            "allowlist", "allowlist_include_members", "http_extra_headers", "https_extra_headers",
            "request_queue_size", "server_tokens", "thread_pool_size",
            // pgha extension, read by the agent (AgentCheckServer): HAProxy's agent-check port
            "agent_check_listen");

    public RestApiSettings {
        Objects.requireNonNull(listenHost, "listenHost is null");
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listenPort out of range: " + listenPort);
        }
        Objects.requireNonNull(authentication, "authentication is null");
        Objects.requireNonNull(tls, "tls is null");
        allowlist = List.copyOf(allowlist);
        httpExtraHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(httpExtraHeaders));
        httpsExtraHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(httpsExtraHeaders));
        if (requestQueueSize < 1) {
            throw new IllegalArgumentException("requestQueueSize must be positive: " + requestQueueSize);
        }
        Objects.requireNonNull(serverTokens, "serverTokens is null");
        if (threadPoolSize < 1) {
            throw new IllegalArgumentException("threadPoolSize must be positive: " + threadPoolSize);
        }
    }

    /** Plain HTTP on {@code host:port}, no authentication, Patroni's defaults for the rest. */
    public static RestApiSettings listen(String host, int port) {
        return new RestApiSettings(host, port, Optional.empty(), Optional.empty(), List.of(), false, Map.of(),
                Map.of(), DEFAULT_REQUEST_QUEUE_SIZE, ServerTokens.ORIGINAL, DEFAULT_THREAD_POOL_SIZE);
    }

    public RestApiSettings withAuthentication(Credentials c) {
        return new RestApiSettings(listenHost, listenPort, Optional.ofNullable(c), tls, allowlist,
                allowlistIncludeMembers, httpExtraHeaders, httpsExtraHeaders, requestQueueSize, serverTokens,
                threadPoolSize);
    }

    public RestApiSettings withTls(Tls t) {
        return new RestApiSettings(listenHost, listenPort, authentication, Optional.ofNullable(t), allowlist,
                allowlistIncludeMembers, httpExtraHeaders, httpsExtraHeaders, requestQueueSize, serverTokens,
                threadPoolSize);
    }

    public RestApiSettings withAllowlist(List<String> entries, boolean includeMembers) {
        return new RestApiSettings(listenHost, listenPort, authentication, tls, entries, includeMembers,
                httpExtraHeaders, httpsExtraHeaders, requestQueueSize, serverTokens, threadPoolSize);
    }

    public RestApiSettings withExtraHeaders(Map<String, String> http, Map<String, String> https) {
        return new RestApiSettings(listenHost, listenPort, authentication, tls, allowlist, allowlistIncludeMembers,
                http, https, requestQueueSize, serverTokens, threadPoolSize);
    }

    public RestApiSettings withServerTokens(ServerTokens t) {
        return new RestApiSettings(listenHost, listenPort, authentication, tls, allowlist, allowlistIncludeMembers,
                httpExtraHeaders, httpsExtraHeaders, requestQueueSize, t, threadPoolSize);
    }

    public RestApiSettings withThreadPoolSize(int n) {
        return new RestApiSettings(listenHost, listenPort, authentication, tls, allowlist, allowlistIncludeMembers,
                httpExtraHeaders, httpsExtraHeaders, requestQueueSize, serverTokens, n);
    }

    /**
     * Reads a {@code restapi} section, adding every problem found to {@code problems} (errors for unusable values,
     * warnings for unknown keys and ignored settings). When errors were added the returned value is a best effort
     * and must not be used.
     *
     * @param restapi the section (path {@code restapi})
     * @param defaultThreadPoolSize the top-level {@code thread_pool_size} when set, else
     *        {@value #DEFAULT_THREAD_POOL_SIZE}; {@code restapi.thread_pool_size} wins over it
     */
    public static RestApiSettings fromConfig(ConfigSection restapi, int defaultThreadPoolSize,
            List<ConfigProblem> problems) {
        String host = "";
        int port = 0;
        Optional<String> listen = restapi.string("listen", problems);
        if (listen.isEmpty()) {
            if (!restapi.has("listen")) {
                problems.add(ConfigProblem.error(restapi.pathOf("listen"), "is missing: expected <host>:<port>"));
            }
        } else {
            try {
                HostPort hp = HostPort.parse(listen.get());
                host = hp.host();
                port = hp.port();
            } catch (IllegalArgumentException e) {
                problems.add(ConfigProblem.error(restapi.pathOf("listen"), e.getMessage()));
            }
        }

        Optional<Credentials> auth = Optional.empty();
        if (restapi.has("authentication")) {
            ConfigSection a = restapi.section("authentication", problems);
            String user = a.requiredString("username", problems);
            String password = a.string("password", problems).orElse(null);
            if (password == null) {
                problems.add(ConfigProblem.error(a.pathOf("password"), "is missing: expected the password"));
            }
            a.warnUnknownKeys(Set.of("username", "password"), problems);
            if (!user.isEmpty() && password != null) {
                auth = Optional.of(new Credentials(user, password));
            }
        }

        Optional<Tls> tls = Optional.empty();
        VerifyClient verify = VerifyClient.NONE;
        Optional<String> verifyText = restapi.string("verify_client", problems);
        if (verifyText.isPresent()) {
            try {
                verify = VerifyClient.valueOf(verifyText.get().trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(ConfigProblem.error(restapi.pathOf("verify_client"),
                        "got '" + verifyText.get() + "': expected none, optional or required"));
            }
        }
        Optional<String> certfile = restapi.string("certfile", problems).filter(s -> !s.isBlank());
        if (certfile.isPresent()) {
            List<String> ciphers = new ArrayList<>();
            Optional<String> cipherText = restapi.string("ciphers", problems);
            cipherText.ifPresent(c -> {
                for (String part : c.split("[:,\\s]+")) {
                    if (part.isBlank()) {
                        continue;
                    }
                    if (part.startsWith("TLS_") || part.startsWith("SSL_")) {
                        ciphers.add(part);
                    } else {
                        problems.add(ConfigProblem.warning(restapi.pathOf("ciphers"), "'" + part
                                + "' ignored: only cipher suite names such as TLS_AES_128_GCM_SHA256 are understood,"
                                + " not OpenSSL cipher-string syntax"));
                    }
                }
            });
            tls = Optional.of(new Tls(Path.of(certfile.get()),
                    restapi.string("keyfile", problems).filter(s -> !s.isBlank()).map(Path::of),
                    restapi.string("keyfile_password", problems),
                    restapi.string("cafile", problems).filter(s -> !s.isBlank()).map(Path::of), verify, ciphers));
        } else {
            for (String k : List.of("keyfile", "keyfile_password", "cafile", "ciphers", "verify_client")) {
                if (restapi.has(k)) {
                    problems.add(ConfigProblem.warning(restapi.pathOf(k), "ignored because certfile is not set"));
                }
            }
        }

        List<String> allowlist = restapi.stringList("allowlist", problems);
        for (String entry : allowlist) {
            try {
                AccessControl.checkAllowlistEntry(entry);
            } catch (IllegalArgumentException e) {
                problems.add(ConfigProblem.error(restapi.pathOf("allowlist"), e.getMessage()));
            }
        }
        boolean includeMembers = restapi.bool("allowlist_include_members", false, problems);

        Map<String, String> http = headers(restapi, "http_extra_headers", problems);
        Map<String, String> https = headers(restapi, "https_extra_headers", problems);

        long queue = restapi.integer("request_queue_size", DEFAULT_REQUEST_QUEUE_SIZE, problems);
        if (queue < 1 || queue > 65535) {
            problems.add(ConfigProblem.error(restapi.pathOf("request_queue_size"),
                    "got " + queue + ": expected a number from 1 to 65535"));
            queue = DEFAULT_REQUEST_QUEUE_SIZE;
        }
        ServerTokens tokens = ServerTokens.ORIGINAL;
        Optional<String> tokenText = restapi.string("server_tokens", problems);
        if (tokenText.isPresent()) {
            Optional<ServerTokens> parsed = ServerTokens.parse(tokenText.get());
            if (parsed.isEmpty()) {
                problems.add(ConfigProblem.warning(restapi.pathOf("server_tokens"), "got '" + tokenText.get()
                        + "': expected Original, Minimal or ProductOnly; the Server header is left as it is"));
            }
            tokens = parsed.orElse(ServerTokens.ORIGINAL);
        }
        long threads = restapi.integer("thread_pool_size", defaultThreadPoolSize, problems);
        if (threads < 1 || threads > 1000) {
            problems.add(ConfigProblem.error(restapi.pathOf("thread_pool_size"),
                    "got " + threads + ": expected a number from 1 to 1000"));
            threads = DEFAULT_THREAD_POOL_SIZE;
        }
        restapi.warnUnknownKeys(KNOWN_KEYS, problems);
        return new RestApiSettings(host, port, auth, tls, allowlist, includeMembers, http, https, (int) queue,
                tokens, (int) threads);
    }

    private static Map<String, String> headers(ConfigSection restapi, String key, List<ConfigProblem> problems) {
        Map<String, String> out = new LinkedHashMap<>();
        ConfigSection s = restapi.section(key, problems);
        for (String name : s.keys()) {
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                problems.add(ConfigProblem.error(s.pathOf(name), "is not a valid HTTP header name"));
                continue;
            }
            s.string(name, problems).ifPresent(v -> {
                if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                    problems.add(ConfigProblem.error(s.pathOf(name), "a header value cannot contain line breaks"));
                } else {
                    out.put(name, v);
                }
            });
        }
        return out;
    }

    /** {@code restapi.authentication}. The password never appears in {@link #toString()}. */
    public record Credentials(String username, String password) {
        public Credentials {
            Objects.requireNonNull(username, "username is null");
            Objects.requireNonNull(password, "password is null");
        }

        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=******]";
        }
    }

    /** {@code restapi.verify_client}. */
    public enum VerifyClient {
        /** No client certificates asked for. */
        NONE,
        /** Asked for; requests that change something are refused (403) without one. */
        OPTIONAL,
        /** The TLS handshake fails without a valid client certificate. */
        REQUIRED
    }

    /**
     * TLS settings. The key password never appears in {@link #toString()}.
     *
     * @param certFile PEM: the server certificate first, then any intermediates; may also hold the private key
     * @param keyFile PEM private key, when not in {@code certFile}: PKCS#8 (optionally encrypted), PKCS#1 RSA or
     *        SEC1 EC
     * @param keyFilePassword the password of an encrypted PKCS#8 key
     * @param caFile PEM CA certificates trusted for client certificates; the JDK's default trust store when empty
     * @param verifyClient whether client certificates are asked for
     * @param ciphers enabled cipher suites by their standard names; empty for the JDK's defaults
     */
    public record Tls(Path certFile, Optional<Path> keyFile, Optional<String> keyFilePassword, Optional<Path> caFile,
            VerifyClient verifyClient, List<String> ciphers) {
        public Tls {
            Objects.requireNonNull(certFile, "certFile is null");
            Objects.requireNonNull(keyFile, "keyFile is null");
            Objects.requireNonNull(keyFilePassword, "keyFilePassword is null");
            Objects.requireNonNull(caFile, "caFile is null");
            Objects.requireNonNull(verifyClient, "verifyClient is null");
            ciphers = List.copyOf(ciphers);
        }

        /** A certificate (with its key inside or in {@code keyFile}), no client certificates. */
        public static Tls of(Path certFile, Path keyFile) {
            return new Tls(certFile, Optional.ofNullable(keyFile), Optional.empty(), Optional.empty(),
                    VerifyClient.NONE, List.of());
        }

        @Override
        public String toString() {
            return "Tls[certFile=" + certFile + ", keyFile=" + keyFile + ", keyFilePassword="
                    + keyFilePassword.map(p -> "******") + ", caFile=" + caFile + ", verifyClient=" + verifyClient
                    + ", ciphers=" + ciphers + "]";
        }
    }

    /** {@code restapi.server_tokens} (Patroni 4.1). */
    public enum ServerTokens {
        /** {@code pgha/<version> Java/<version>}, the server's own product tokens. */
        ORIGINAL,
        /** {@code Patroni/<compatible version>}. */
        MINIMAL,
        /** {@code Patroni}. */
        PRODUCTONLY;

        static Optional<ServerTokens> parse(String text) {
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "original" -> Optional.of(ORIGINAL);
                case "minimal" -> Optional.of(MINIMAL);
                case "productonly" -> Optional.of(PRODUCTONLY);
                default -> Optional.empty();
            };
        }
    }

    /** A parsed {@code host:port}; IPv6 hosts may be written in brackets. */
    record HostPort(String host, int port) {
        static HostPort parse(String text) {
            String t = text.trim();
            int colon = t.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("got '" + text + "': expected <host>:<port>");
            }
            String host = t.substring(0, colon).trim();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(t.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("got '" + text + "': expected <host>:<port> with a numeric port");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("got '" + text + "': the port must be from 0 to 65535");
            }
            return new HostPort(host, port);
        }
    }
}
