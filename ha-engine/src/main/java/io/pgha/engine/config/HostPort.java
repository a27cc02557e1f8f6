package io.pgha.engine.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code host:port} address as Patroni writes it: {@code 10.0.0.1:5432}, {@code [::1]:8008}, {@code *:5432}, and
 * for {@code postgresql.listen} also several comma-separated hosts sharing one port ({@code 127.0.0.1,10.0.0.1:5432}).
 *
 * @param host the host part as written (may be empty for "all interfaces", or a comma-separated list); IPv6
 *        brackets removed
 * @param port 1..65535
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host is null");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** The individual hosts of a comma-separated host part. */
    public List<String> hosts() {
        List<String> out = new ArrayList<>();
        for (String h : host.split(",")) {
            if (!h.isBlank()) {
                out.add(h.trim());
            }
        }
        return List.copyOf(out);
    }

    /** True when the host part binds every interface ({@code *}, {@code 0.0.0.0}, {@code ::} or empty). */
    public boolean isWildcard() {
        return hosts().isEmpty() || hosts().stream().anyMatch(HostPort::isWildcardHost);
    }

    static boolean isWildcardHost(String h) {
        return h.equals("*") || h.equals("0.0.0.0") || h.equals("::") || h.isEmpty();
    }

    static boolean isLoopbackHost(String h) {
        String l = h.toLowerCase(Locale.ROOT);
        return l.equals("localhost") || l.startsWith("127.") || l.equals("::1");
    }

    @Override
    public String toString() {
        String h = host.contains(":") && !host.contains(",") ? "[" + host + "]" : host;
        return h + ":" + port;
    }

    /**
     * Parses {@code host:port}. Returns the problem text (what is wrong and what is expected) on the left when it is
     * not one; {@code multipleHosts} allows a comma-separated host list, {@code hostRequired} refuses an empty host.
     */
    static Parsed parse(String text, boolean multipleHosts, boolean hostRequired) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            return Parsed.error("has no port: expected host:port, for example 10.0.0.1:5432");
        }
        String hostPart = s.substring(0, colon).trim();
        String portPart = s.substring(colon + 1).trim();
        if (hostPart.startsWith("[") && hostPart.endsWith("]")) {
            hostPart = hostPart.substring(1, hostPart.length() - 1);
        } else if (hostPart.endsWith(":")) {
            // e.g. "::1": the last colon belongs to the address, so there is no port
            return Parsed.error("is not host:port: write IPv6 addresses in brackets, for example [::1]:5432");
        }
        int port;
        try {
            port = Integer.parseInt(portPart);
        } catch (NumberFormatException e) {
            return Parsed.error("has port '" + portPart + "': expected host:port with a port number from 1 to 65535");
        }
        if (port < 1 || port > 65535) {
            return Parsed.error("has port " + port + ": expected a port number from 1 to 65535");
        }
        if (hostRequired && hostPart.isEmpty()) {
            return Parsed.error("has no host: expected host:port, for example 10.0.0.1:5432");
        }
        if (hostPart.contains(",")) {
            if (!multipleHosts) {
                return Parsed.error("names several hosts: expected a single host:port");
            }
            List<String> hosts = new HostPort(hostPart, port).hosts();
            if (hosts.size() > 1 && hosts.contains("*")) {
                return Parsed.error("combines * with other hosts: * already means every interface");
            }
        }
        return new Parsed(Optional.of(new HostPort(hostPart, port)), Optional.empty());
    }

    /** A parse result: the address, or what is wrong with the text. */
    record Parsed(Optional<HostPort> value, Optional<String> problem) {
        static Parsed error(String problem) {
            return new Parsed(Optional.empty(), Optional.of(problem));
        }
    }
}
