package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code restapi} section: where the agent's HTTP API listens, how other members reach it, and who may call its
 * mutating endpoints.
 *
 * @param listen the address to bind
 * @param connectAddress the address other members and tools use; see {@link #memberAddress()}
 * @param authentication Basic credentials required for mutating endpoints
 * @param certfile server certificate (PEM); TLS is on when set
 * @param keyfile private key (PEM), when not inside {@code certfile}
 * @param keyfilePassword password of {@code keyfile}
 * @param cafile CA bundle for client certificates
 * @param ciphers allowed TLS ciphers (OpenSSL syntax)
 * @param verifyClient {@code none}, {@code optional} or {@code required}
 * @param allowlist hosts/networks allowed to call mutating endpoints (empty: anyone)
 * @param allowlistIncludeMembers also allow the cluster's members
 * @param httpExtraHeaders headers added to every response
 * @param httpsExtraHeaders headers added to every response under TLS
 * @param requestQueueSize listen backlog (5)
 * @param serverTokens {@code original}, {@code minimal} or {@code productonly}
 * @param threadPoolSize request threads, when set
 */
public record RestApiConfig(HostPort listen, Optional<HostPort> connectAddress, Optional<BasicAuth> authentication,
        Optional<String> certfile, Optional<String> keyfile, Optional<Secret> keyfilePassword, Optional<String> cafile,
        Optional<String> ciphers, String verifyClient, List<String> allowlist, boolean allowlistIncludeMembers,
        Map<String, String> httpExtraHeaders, Map<String, String> httpsExtraHeaders, int requestQueueSize,
        Optional<String> serverTokens, Optional<Integer> threadPoolSize) {

    /** Where the API listens when {@code restapi.listen} is not set. */
    public static final String DEFAULT_LISTEN = "127.0.0.1:8008";

    static final Set<String> KEYS = Set.of("listen", "connect_address", "authentication", "certfile", "keyfile",
            "keyfile_password", "cafile", "ciphers", "verify_client", "allowlist", "allowlist_include_members",
            "http_extra_headers", "https_extra_headers", "request_queue_size", "server_tokens", "thread_pool_size");

    public RestApiConfig {
        Objects.requireNonNull(listen, "listen is null");
        Objects.requireNonNull(verifyClient, "verifyClient is null");
        allowlist = List.copyOf(allowlist);
        httpExtraHeaders = Map.copyOf(httpExtraHeaders);
        httpsExtraHeaders = Map.copyOf(httpsExtraHeaders);
    }

    /** The address published in the member key: {@code connect_address}, else {@code listen}. */
    public HostPort memberAddress() {
        return connectAddress.orElse(listen);
    }

    /** True when the API serves HTTPS. */
    public boolean tls() {
        return certfile.isPresent();
    }

    /** The {@code api_url} published in the member key, e.g. {@code http://10.0.0.1:8008/patroni}. */
    public String apiUrl() {
        return (tls() ? "https" : "http") + "://" + memberAddress() + "/patroni";
    }

    static RestApiConfig read(ConfigSection root, List<ConfigProblem> problems) {
        ConfigSection s = root.section("restapi", problems);
        s.warnUnknownKeys(KEYS, problems);
        HostPort listen = Fields.hostPort(s, "listen", false, false, problems).orElse(null);
        if (listen == null) {
            if (s.raw("listen") == null) {
                problems.add(ConfigProblem.warning(s.pathOf("listen"),
                        "is missing: Patroni requires it; listening on " + DEFAULT_LISTEN));
            }
            listen = HostPort.parse(DEFAULT_LISTEN, false, true).value().orElseThrow();
        }
        Optional<HostPort> connect = ConnectAddresses.read(s, "connect_address", problems);
        if (connect.isEmpty() && s.raw("connect_address") == null) {
            problems.add(ConfigProblem.warning(s.pathOf("connect_address"), "is missing: Patroni requires it; members"
                    + " will be told to reach this API at the listen address " + listen
                    + (listen.isWildcard() ? ", which other hosts cannot connect to" : "")));
        }
        Optional<String> verify = Fields.oneOf(s, "verify_client", List.of("none", "optional", "required"), problems);
        Optional<String> tokens = Fields.oneOf(s, "server_tokens", List.of("original", "minimal", "productonly"), problems);
        Optional<Long> pool = s.integer("thread_pool_size", problems);
        if (pool.isPresent() && pool.get() < 5) {
            problems.add(ConfigProblem.error(s.pathOf("thread_pool_size"), "got " + pool.get() + ": expected at least 5"));
            pool = Optional.empty();
        }
        return new RestApiConfig(listen, connect, BasicAuth.read(s, problems), Fields.text(s, "certfile", problems),
                Fields.text(s, "keyfile", problems), Fields.secret(s, "keyfile_password", problems),
                Fields.text(s, "cafile", problems), Fields.text(s, "ciphers", problems), verify.orElse("none"),
                s.stringList("allowlist", problems), s.bool("allowlist_include_members", false, problems),
                Fields.scalarMap(s, "http_extra_headers", false, problems),
                Fields.scalarMap(s, "https_extra_headers", false, problems),
                (int) Fields.between(s, "request_queue_size", 5, 0, 4096, problems), tokens,
                pool.map(Long::intValue));
    }
}
