package io.pgha.dcs.etcd.internal;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code etcd3:} (or {@code etcd:}) section, read the way Patroni reads it.
 *
 * <p>Endpoints come from the first of {@code proxy}, {@code srv} (resolved when the client opens), {@code hosts},
 * {@code url} and {@code host} that is set; the others are reported as ignored. {@code hosts} is a YAML list or a
 * comma-separated string of {@code host[:port]}, the default port being {@code port} or 2379, the scheme
 * {@code protocol}. {@code url} carries its own scheme, port and optional {@code user:password@}. {@code host} is
 * one {@code host[:port]}, where an explicit {@code port} key wins, as in Patroni.
 *
 * @param endpoints the configured endpoints as {@code http[s]://host:port}; empty only when {@code srv} is used
 * @param srv the SRV domain ({@code srv}, or its old names {@code discovery_srv} / {@code srv_domain})
 * @param tls whether the endpoints speak TLS ({@code protocol: https}, an {@code https://} url)
 * @param password never printed by {@link #toString()}
 */
public record EtcdSettings(List<URI> endpoints, Optional<String> srv, Optional<String> srvSuffix, boolean tls,
        boolean useProxies, Optional<String> username, Optional<String> password, Optional<String> cacert,
        Optional<String> cert, Optional<String> key, Optional<String> keyPassword) {

    /** Patroni's (and etcd's) default client port. */
    public static final int DEFAULT_PORT = 2379;

    /** Every key the section may hold; others are reported as unknown. */
    public static final Set<String> KNOWN_KEYS = Set.of("host", "hosts", "port", "url", "proxy", "srv", "srv_suffix",
            "discovery_srv", "srv_domain", "use_proxies", "protocol", "username", "password", "cacert", "cert", "key",
            "key_password");

    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
        Objects.requireNonNull(srv, "srv is null");
        Objects.requireNonNull(srvSuffix, "srvSuffix is null");
        Objects.requireNonNull(username, "username is null");
        Objects.requireNonNull(password, "password is null");
        Objects.requireNonNull(cacert, "cacert is null");
        Objects.requireNonNull(cert, "cert is null");
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(keyPassword, "keyPassword is null");
    }

    /** The scheme every endpoint uses. */
    public String scheme() {
        return tls ? "https" : "http";
    }

    /**
     * Reads a section, adding every problem to {@code problems} (paths from {@link ConfigSection#pathOf}). Touches
     * neither the disk nor the network. The result is meaningful only when no error was added.
     */
    public static EtcdSettings parse(ConfigSection s, List<ConfigProblem> problems) {
        s.warnUnknownKeys(KNOWN_KEYS, problems);

        Optional<String> protocolText = s.string("protocol", problems).map(p -> p.trim().toLowerCase(Locale.ROOT));
        boolean tls = false;
        if (protocolText.isPresent()) {
            switch (protocolText.get()) {
                case "http" -> tls = false;
                case "https" -> tls = true;
                default -> problems.add(ConfigProblem.error(s.pathOf("protocol"),
                        "got " + ConfigSection.describe(s.raw("protocol")) + ": expected http or https"));
            }
        }

        Optional<Long> portKey = s.integer("port", problems).filter(p -> {
            if (!validPort(p)) {
                problems.add(ConfigProblem.error(s.pathOf("port"), "got " + p + ": expected a port number 1-65535"));
            }
            return validPort(p);
        });
        int defaultPort = portKey.map(Long::intValue).orElse(DEFAULT_PORT);

        Optional<String> username = s.string("username", problems).filter(u -> !u.isEmpty());
        Optional<String> password = s.string("password", problems).filter(p -> !p.isEmpty());
        boolean useProxies = s.bool("use_proxies", false, problems);

        Optional<String> srv = Optional.empty();
        String srvKey = null;
        for (String k : List.of("srv", "discovery_srv", "srv_domain")) {
            Optional<String> v = s.string(k, problems).map(String::trim).filter(x -> !x.isEmpty());
            if (v.isPresent() && srv.isEmpty()) {
                srv = v;
                srvKey = k;
            } else if (v.isPresent()) {
                problems.add(ConfigProblem.warning(s.pathOf(k), "ignored: " + srvKey + " is set too"));
            }
        }
        Optional<String> srvSuffix = s.string("srv_suffix", problems).map(String::trim).filter(x -> !x.isEmpty());

        // Patroni's precedence: proxy, then srv, then hosts, then url, then host.
        List<String> sources = new ArrayList<>();
        for (String k : List.of("proxy", "srv", "hosts", "url", "host")) {
            if (k.equals("srv") ? srv.isPresent() : s.has(k)) {
                sources.add(k);
            }
        }
        List<URI> endpoints = new ArrayList<>();
        if (sources.isEmpty()) {
            problems.add(ConfigProblem.error(s.path(),
                    "no etcd endpoint: set one of host, hosts, url, proxy or srv (e.g. hosts: 10.0.0.1:2379,10.0.0.2:2379)"));
        } else {
            String chosen = sources.get(0);
            for (String other : sources.subList(1, sources.size())) {
                problems.add(ConfigProblem.warning(s.pathOf(other.equals("srv") ? srvKey : other),
                        "ignored: " + chosen + " is set and takes precedence"));
            }
            switch (chosen) {
                case "proxy", "url" -> {
                    Optional<String> text = s.string(chosen, problems);
                    if (text.isPresent()) {
                        ParsedUrl u = parseUrl(text.get(), s.pathOf(chosen), problems);
                        if (u != null) {
                            if (protocolText.isPresent() && tls != u.tls) {
                                problems.add(ConfigProblem.warning(s.pathOf("protocol"),
                                        "ignored: " + chosen + " says " + (u.tls ? "https" : "http")));
                            }
                            tls = u.tls;
                            endpoints.add(u.uri);
                            if (u.username != null) {
                                username = Optional.of(u.username);
                                password = Optional.ofNullable(u.password);
                            }
                        }
                    }
                    if (chosen.equals("proxy")) {
                        useProxies = true;
                    }
                }
                case "hosts" -> {
                    List<String> hosts = s.stringList("hosts", problems);
                    if (hosts.isEmpty() && s.has("hosts")) {
                        problems.add(ConfigProblem.error(s.pathOf("hosts"), "is empty: expected at least one host:port"));
                    }
                    Set<Boolean> urlSchemes = new LinkedHashSet<>();
                    for (int i = 0; i < hosts.size(); i++) {
                        String itemPath = s.raw("hosts") instanceof List ? s.pathOf("hosts") + "[" + i + "]"
                                : s.pathOf("hosts");
                        String item = hosts.get(i);
                        if (item.contains("://")) {
                            // Patroni wants bare host:port here; full URLs are accepted when they agree on a scheme.
                            ParsedUrl u = parseUrl(item, itemPath, problems);
                            if (u != null) {
                                urlSchemes.add(u.tls);
                                endpoints.add(u.uri);
                            }
                        } else {
                            HostPort hp = parseHostPort(item, defaultPort, itemPath, problems);
                            if (hp != null) {
                                endpoints.add(hp.toUri(tls));
                            }
                        }
                    }
                    if (urlSchemes.size() > 1) {
                        problems.add(ConfigProblem.error(s.pathOf("hosts"),
                                "mixes http:// and https:// endpoints: use one protocol for all"));
                    } else if (urlSchemes.size() == 1) {
                        boolean urlTls = urlSchemes.iterator().next();
                        if (protocolText.isPresent() && urlTls != tls) {
                            problems.add(ConfigProblem.error(s.pathOf("hosts"), "has " + (urlTls ? "https" : "http")
                                    + ":// endpoints but protocol is " + protocolText.get() + ": use one protocol for all"));
                        }
                        tls = urlTls;
                    }
                }
                case "host" -> s.string("host", problems).ifPresent(text -> {
                    HostPort hp = parseHostPort(text, DEFAULT_PORT, s.pathOf("host"), problems);
                    if (hp != null) {
                        // Patroni: an explicit port key wins over the port written in host.
                        endpoints.add(new HostPort(hp.host, portKey.map(Long::intValue).orElse(hp.port)).toUri(false));
                    }
                });
                default -> {
                    // srv: resolved when the client opens
                }
            }
            final boolean finalTls = tls;
            endpoints.replaceAll(e -> withScheme(e, finalTls));
        }
        List<URI> distinct = new ArrayList<>(new LinkedHashSet<>(endpoints));

        if (username.isPresent() != password.isPresent()) {
            problems.add(ConfigProblem.error(s.pathOf(username.isPresent() ? "password" : "username"),
                    "is missing: etcd authentication needs both username and password"));
        }

        Optional<String> cacert = path(s, "cacert", problems);
        Optional<String> cert = path(s, "cert", problems);
        Optional<String> key = path(s, "key", problems);
        Optional<String> keyPassword = s.string("key_password", problems);
        if (key.isPresent() && cert.isEmpty()) {
            problems.add(ConfigProblem.error(s.pathOf("key"), "is set without cert: a client key needs its certificate"));
        }
        if (keyPassword.isPresent() && cert.isEmpty()) {
            problems.add(ConfigProblem.warning(s.pathOf("key_password"), "ignored: no cert/key is set"));
        }
        if (!tls && (cacert.isPresent() || cert.isPresent())) {
            problems.add(ConfigProblem.warning(s.pathOf(cacert.isPresent() ? "cacert" : "cert"),
                    "ignored: the endpoints use http; set protocol: https to use TLS"));
        }
        return new EtcdSettings(distinct, srv, srvSuffix, tls, useProxies, username, password, cacert, cert, key,
                keyPassword);
    }

    private static Optional<String> path(ConfigSection s, String key, List<ConfigProblem> problems) {
        Optional<String> v = s.string(key, problems);
        if (v.isPresent() && v.get().isBlank()) {
            problems.add(ConfigProblem.error(s.pathOf(key), "is empty: expected a file path"));
            return Optional.empty();
        }
        return v.map(String::trim);
    }

    private static boolean validPort(long p) {
        return p >= 1 && p <= 65535;
    }

    private static URI withScheme(URI u, boolean tls) {
        return URI.create((tls ? "https" : "http") + "://" + u.getRawAuthority());
    }

    private record HostPort(String host, int port) {
        URI toUri(boolean tls) {
            String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            return URI.create((tls ? "https" : "http") + "://" + h + ":" + port);
        }
    }

    private record ParsedUrl(URI uri, boolean tls, String username, String password) {
    }

    /** {@code host}, {@code host:port}, {@code [v6]:port}; {@code null} (with a problem) when malformed. */
    static HostPort parseHostPort(String text, int defaultPort, String path, List<ConfigProblem> problems) {
        String t = text.trim();
        String host;
        String port = null;
        if (t.startsWith("[")) {
            int end = t.indexOf(']');
            if (end < 0) {
                problems.add(ConfigProblem.error(path, "got '" + text + "': unbalanced [ in an IPv6 address"));
                return null;
            }
            host = t.substring(1, end);
            String rest = t.substring(end + 1);
            if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else if (!rest.isEmpty()) {
                problems.add(ConfigProblem.error(path, "got '" + text + "': expected [address]:port"));
                return null;
            }
        } else if (t.chars().filter(c -> c == ':').count() > 1) {
            host = t; // a bare IPv6 address, no port
        } else {
            int colon = t.indexOf(':');
            host = colon < 0 ? t : t.substring(0, colon);
            port = colon < 0 ? null : t.substring(colon + 1);
        }
        if (host.isEmpty() || host.contains("/") || host.contains(" ") || host.contains("@")) {
            problems.add(ConfigProblem.error(path, "got '" + text + "': expected host:port (e.g. 10.0.0.1:2379)"));
            return null;
        }
        int p = defaultPort;
        if (port != null) {
            try {
                p = Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (!validPort(p)) {
                problems.add(ConfigProblem.error(path, "got '" + text + "': the port must be a number 1-65535"));
                return null;
            }
        }
        return new HostPort(host, p);
    }

    private static ParsedUrl parseUrl(String text, String path, List<ConfigProblem> problems) {
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
            problems.add(ConfigProblem.warning(path,
                    "the path " + u.getRawPath() + " is ignored: etcd's v3 API has fixed paths"));
        }
        int port = u.getPort() == -1 ? DEFAULT_PORT : u.getPort();
        String user = null;
        String pass = null;
        if (u.getUserInfo() != null) {
            String[] parts = u.getUserInfo().split(":", 2);
            user = parts[0];
            pass = parts.length > 1 ? parts[1] : null;
        }
        boolean tls = scheme.equals("https");
        return new ParsedUrl(new HostPort(u.getHost().replace("[", "").replace("]", ""), port).toUri(tls), tls, user, pass);
    }

    @Override
    public String toString() {
        return "EtcdSettings[endpoints=" + endpoints + ", srv=" + srv.orElse("-") + srvSuffix.map(x -> "/" + x).orElse("")
                + ", tls=" + tls + ", useProxies=" + useProxies + ", username=" + username.orElse("-")
                + ", password=" + (password.isPresent() ? "******" : "-") + ", cacert=" + cacert.orElse("-")
                + ", cert=" + cert.orElse("-") + ", key=" + key.orElse("-")
                + ", keyPassword=" + (keyPassword.isPresent() ? "******" : "-") + "]";
    }
}
