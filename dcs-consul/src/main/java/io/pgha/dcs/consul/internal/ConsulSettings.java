package io.pgha.dcs.consul.internal;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code consul:} section, read the way Patroni reads it.
 *
 * <p>The agent is {@code url} ({@code http[s]://host:port}) if set, else {@code host} ({@code host[:port]}, default
 * {@code 127.0.0.1:8500}) with {@code port} winning over the port written in {@code host} and {@code scheme}
 * ({@code http} or {@code https}) choosing the protocol.
 *
 * @param agent the agent's base URL, {@code http[s]://host:port}
 * @param token the ACL token, sent with every request; never printed by {@link #toString()}
 * @param verify whether the agent's certificate and host name are checked (https only)
 * @param cacert PEM file of the certificate authorities to trust instead of the JDK's (https only)
 * @param cert PEM file of the client certificate (and its key, if {@code key} is not set)
 * @param key PEM file of the client key
 * @param datacenter {@code dc}: the datacenter to use instead of the agent's own
 * @param consistency how {@link io.pgha.spi.dcs.DcsClient#read()} reads
 * @param checks health-check ids that sessions are tied to ({@code checks}, default none, as in Patroni)
 * @param registerService whether the member registers itself as a Consul service ({@code register_service})
 * @param serviceTags extra tags for that service ({@code service_tags})
 * @param serviceCheckInterval how often Consul runs the service's HTTP check ({@code service_check_interval}, 5 s)
 * @param serviceCheckTlsServerName the TLS server name Consul's check uses ({@code service_check_tls_server_name})
 */
public record ConsulSettings(URI agent, Optional<String> token, boolean verify, Optional<String> cacert,
        Optional<String> cert, Optional<String> key, Optional<String> datacenter, Consistency consistency,
        List<String> checks, boolean registerService, List<String> serviceTags, Duration serviceCheckInterval,
        Optional<String> serviceCheckTlsServerName) {

    /** Consul's HTTP port. */
    public static final int DEFAULT_PORT = 8500;
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(5);

    /** Every key the section may hold; others are reported as unknown. */
    public static final Set<String> KNOWN_KEYS = Set.of("host", "port", "url", "scheme", "token", "verify", "cacert",
            "cert", "key", "dc", "consistency", "checks", "register_service", "service_tags", "service_check_interval",
            "service_check_tls_server_name");

    /** Consul's read consistency modes, as the {@code consistency} option names them. */
    public enum Consistency {
        /** Leader-leased reads: almost always current; stale for a moment around a leader change. */
        DEFAULT,
        /** Reads confirmed by a quorum round trip: always current. */
        CONSISTENT,
        /** Any server answers: possibly behind. */
        STALE;

        public String optionValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ConsulSettings {
        Objects.requireNonNull(agent, "agent is null");
        Objects.requireNonNull(token, "token is null");
        Objects.requireNonNull(cacert, "cacert is null");
        Objects.requireNonNull(cert, "cert is null");
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(datacenter, "datacenter is null");
        Objects.requireNonNull(consistency, "consistency is null");
        checks = List.copyOf(checks);
        serviceTags = List.copyOf(serviceTags);
        Objects.requireNonNull(serviceCheckInterval, "serviceCheckInterval is null");
        Objects.requireNonNull(serviceCheckTlsServerName, "serviceCheckTlsServerName is null");
    }

    public boolean tls() {
        return agent.getScheme().equals("https");
    }

    /**
     * Reads a section, adding every problem to {@code problems} (paths from {@link ConfigSection#pathOf}). Touches
     * neither the disk nor the network. The result is meaningful only when no error was added.
     */
    public static ConsulSettings parse(ConfigSection s, List<ConfigProblem> problems) {
        s.warnUnknownKeys(KNOWN_KEYS, problems);

        Optional<String> schemeText = s.string("scheme", problems).map(x -> x.trim().toLowerCase(Locale.ROOT));
        String scheme = "http";
        if (schemeText.isPresent()) {
            if (schemeText.get().equals("http") || schemeText.get().equals("https")) {
                scheme = schemeText.get();
            } else {
                problems.add(ConfigProblem.error(s.pathOf("scheme"),
                        "got " + ConfigSection.describe(s.raw("scheme")) + ": expected http or https"));
            }
        }
        Optional<Integer> portKey = s.integer("port", problems).flatMap(p -> {
            if (p < 1 || p > 65535) {
                problems.add(ConfigProblem.error(s.pathOf("port"), "got " + p + ": expected a port number 1-65535"));
                return Optional.empty();
            }
            return Optional.of(p.intValue());
        });

        URI agent = URI.create(scheme + "://" + DEFAULT_HOST + ":" + portKey.orElse(DEFAULT_PORT));
        if (s.has("url")) {
            if (s.has("host")) {
                problems.add(ConfigProblem.warning(s.pathOf("host"), "ignored: url is set and takes precedence"));
            }
            Optional<String> url = s.string("url", problems);
            URI parsed = url.map(u -> parseUrl(u, s.pathOf("url"), problems)).orElse(null);
            if (parsed != null) {
                if (schemeText.isPresent() && !schemeText.get().equals(parsed.getScheme())) {
                    problems.add(ConfigProblem.warning(s.pathOf("scheme"), "ignored: url says " + parsed.getScheme()));
                }
                if (portKey.isPresent()) {
                    problems.add(ConfigProblem.warning(s.pathOf("port"), "ignored: url carries the port"));
                }
                agent = parsed;
            }
        } else if (s.has("host")) {
            Optional<String> host = s.string("host", problems);
            if (host.isPresent()) {
                URI parsed = parseHostPort(host.get(), scheme, portKey, s.pathOf("host"), problems);
                if (parsed != null) {
                    agent = parsed;
                }
            }
        }

        Optional<String> token = s.string("token", problems).filter(t -> !t.isEmpty());
        boolean verify = s.bool("verify", true, problems);
        Optional<String> cacert = path(s, "cacert", problems);
        Optional<String> cert = path(s, "cert", problems);
        Optional<String> key = path(s, "key", problems);
        if (key.isPresent() && cert.isEmpty()) {
            problems.add(ConfigProblem.error(s.pathOf("key"), "is set without cert: a client key needs its certificate"));
        }
        if (!agent.getScheme().equals("https")) {
            for (String k : List.of("cacert", "cert", "verify")) {
                if (s.has(k)) {
                    problems.add(ConfigProblem.warning(s.pathOf(k),
                            "ignored: the agent is reached over http; set scheme: https (or an https:// url) to use TLS"));
                }
            }
        }

        Optional<String> dc = s.string("dc", problems).map(String::trim);
        if (dc.isPresent() && dc.get().isEmpty()) {
            problems.add(ConfigProblem.error(s.pathOf("dc"), "is empty: expected a datacenter name, or leave it out"));
            dc = Optional.empty();
        }

        Consistency consistency = Consistency.CONSISTENT;
        Optional<String> consistencyText = s.string("consistency", problems);
        if (consistencyText.isPresent()) {
            try {
                consistency = Consistency.valueOf(consistencyText.get().trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(ConfigProblem.error(s.pathOf("consistency"), "got "
                        + ConfigSection.describe(s.raw("consistency")) + ": expected default, consistent or stale"));
            }
        }

        List<String> checks = s.stringList("checks", problems);
        boolean registerService = s.bool("register_service", false, problems);
        List<String> serviceTags = s.stringList("service_tags", problems);
        Duration interval = s.duration("service_check_interval", DEFAULT_CHECK_INTERVAL, problems);
        if (interval.isZero()) {
            problems.add(ConfigProblem.error(s.pathOf("service_check_interval"),
                    "is zero: Consul needs a positive interval for an HTTP check (e.g. 5s)"));
        } else if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add(ConfigProblem.warning(s.pathOf("service_check_interval"),
                    "is below one second: Consul's agent will run the check very often"));
        }
        Optional<String> tlsServerName = s.string("service_check_tls_server_name", problems)
                .map(String::trim).filter(x -> !x.isEmpty());
        if (!registerService) {
            for (String k : List.of("service_tags", "service_check_interval", "service_check_tls_server_name")) {
                if (s.has(k)) {
                    problems.add(ConfigProblem.warning(s.pathOf(k), "ignored: register_service is not true"));
                }
            }
        }
        return new ConsulSettings(agent, token, verify, cacert, cert, key, dc, consistency, checks, registerService,
                serviceTags, interval, tlsServerName);
    }

    private static Optional<String> path(ConfigSection s, String key, List<ConfigProblem> problems) {
        Optional<String> v = s.string(key, problems);
        if (v.isPresent() && v.get().isBlank()) {
            problems.add(ConfigProblem.error(s.pathOf(key), "is empty: expected a file path"));
            return Optional.empty();
        }
        return v.map(String::trim);
    }

    /** {@code host}, {@code host:port}, {@code [v6]:port}; {@code null} (with a problem) when malformed. */
    private static URI parseHostPort(String text, String scheme, Optional<Integer> portKey, String path,
            List<ConfigProblem> problems) {
        String t = text.trim();
        if (t.contains("://")) {
            problems.add(ConfigProblem.error(path, "got '" + text + "': expected host:port; put a full URL in url"));
            return null;
        }
        String host;
        String port = null;
        if (t.startsWith("[")) {
            int end = t.indexOf(']');
            if (end < 0 || (end + 1 < t.length() && t.charAt(end + 1) != ':')) {
                problems.add(ConfigProblem.error(path, "got '" + text + "': expected [address]:port"));
                return null;
            }
            host = t.substring(0, end + 1);
            port = end + 1 < t.length() ? t.substring(end + 2) : null;
        } else {
            int colon = t.lastIndexOf(':');
            host = colon < 0 ? t : t.substring(0, colon);
            port = colon < 0 ? null : t.substring(colon + 1);
            if (host.contains(":")) {
                problems.add(ConfigProblem.error(path, "got '" + text + "': write an IPv6 address as [address]:port"));
                return null;
            }
        }
        if (host.isEmpty() || host.contains("/") || host.contains(" ") || host.contains("@")) {
            problems.add(ConfigProblem.error(path, "got '" + text + "': expected host:port (e.g. 127.0.0.1:8500)"));
            return null;
        }
        int p = DEFAULT_PORT;
        if (port != null) {
            try {
                p = Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                problems.add(ConfigProblem.error(path, "got '" + text + "': the port must be a number 1-65535"));
                return null;
            }
        }
        // Patroni: an explicit port key wins over the port written in host
        return URI.create(scheme + "://" + host + ":" + portKey.orElse(p));
    }

    private static URI parseUrl(String text, String path, List<ConfigProblem> problems) {
        URI u;
        try {
            u = new URI(text.trim());
        } catch (URISyntaxException e) {
            problems.add(ConfigProblem.error(path, "got '" + text + "': not a URL (" + e.getReason() + ")"));
            return null;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            problems.add(ConfigProblem.error(path, "got '" + text + "': expected an http:// or https:// URL"));
            return null;
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            problems.add(ConfigProblem.error(path, "got '" + text + "': the URL has no host"));
            return null;
        }
        if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
            problems.add(ConfigProblem.warning(path, "the path " + u.getRawPath()
                    + " is ignored: Consul's API lives at /v1 on the agent"));
        }
        if (u.getUserInfo() != null) {
            problems.add(ConfigProblem.error(path, "carries user information: Consul authenticates with token, not a "
                    + "user name in the URL"));
            return null;
        }
        int port = u.getPort() == -1 ? (scheme.equals("https") ? 443 : 80) : u.getPort();
        String host = u.getHost().contains(":") && !u.getHost().startsWith("[") ? "[" + u.getHost() + "]" : u.getHost();
        return URI.create(scheme + "://" + host + ":" + port);
    }

    @Override
    public String toString() {
        return "ConsulSettings[agent=" + agent + ", token=" + (token.isPresent() ? "******" : "-") + ", verify=" + verify
                + ", cacert=" + cacert.orElse("-") + ", cert=" + cert.orElse("-") + ", key=" + key.orElse("-")
                + ", dc=" + datacenter.orElse("-") + ", consistency=" + consistency.optionValue() + ", checks=" + checks
                + ", registerService=" + registerService + ", serviceTags=" + serviceTags
                + ", serviceCheckInterval=" + serviceCheckInterval
                + ", serviceCheckTlsServerName=" + serviceCheckTlsServerName.orElse("-") + "]";
    }
}
