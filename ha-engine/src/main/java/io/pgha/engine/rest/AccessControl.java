package io.pgha.engine.rest;

import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.Member;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may change something (Patroni's {@code check_access}): the source address must be in the allowlist (when
 * one is set), a client certificate must have been presented (when {@code verify_client} asks for one), and the
 * Basic credentials must match (when {@code authentication} is set) — checked in that order, as Patroni does.
 * Reading needs none of this.
 */
final class AccessControl {
    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");

    /** A refusal: status code and message (the 401s also carry a challenge). */
    record Denial(int status, String message, boolean challenge) {
    }

    private final List<Network> allowlist;
    private final boolean includeMembers;
    private final Optional<byte[]> expectedToken;
    private final boolean clientCertificateRequired;

    private AccessControl(List<Network> allowlist, boolean includeMembers, Optional<byte[]> expectedToken,
            boolean clientCertificateRequired) {
        this.allowlist = allowlist;
        this.includeMembers = includeMembers;
        this.expectedToken = expectedToken;
        this.clientCertificateRequired = clientCertificateRequired;
    }

    /** Resolves the allowlist's host names once, at start, as Patroni does when it (re)loads its configuration. */
    static AccessControl create(RestApiSettings settings) {
        List<Network> nets = new ArrayList<>();
        for (String entry : settings.allowlist()) {
            nets.addAll(Network.resolve(entry));
        }
        Optional<byte[]> token = settings.authentication().map(c -> Base64.getEncoder()
                .encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.US_ASCII));
        boolean certs = settings.tls().map(t -> t.verifyClient() != RestApiSettings.VerifyClient.NONE).orElse(false);
        return new AccessControl(List.copyOf(nets), settings.allowlistIncludeMembers(), token, certs);
    }

    /** Syntax check of one allowlist entry, for configuration validation (no DNS). */
    static void checkAllowlistEntry(String entry) {
        String e = entry.trim();
        int slash = e.indexOf('/');
        String address = slash >= 0 ? e.substring(0, slash) : e;
        if (looksLikeAddress(address)) {
            Network.parseLiteral(e);
        } else if (slash >= 0 || !HOST_NAME.matcher(address).matches()) {
            throw new IllegalArgumentException("'" + entry + "' is neither an IP address, a network in CIDR notation,"
                    + " nor a host name");
        }
    }

    /**
     * Checks an unsafe request.
     *
     * @param remote the client's address
     * @param hasClientCertificate whether the TLS session carries a verified client certificate
     * @param authorization the {@code Authorization} header, if sent
     * @param cluster the trusted DCS view, for {@code allowlist_include_members}
     */
    Optional<Denial> check(InetAddress remote, boolean hasClientCertificate, Optional<String> authorization,
            Optional<ClusterState> cluster) {
        if (!allowlist.isEmpty() || includeMembers) {
            boolean allowed = allowlist.stream().anyMatch(n -> n.contains(remote))
                    || includeMembers && memberNetworks(cluster).stream().anyMatch(n -> n.contains(remote));
            if (!allowed) {
                return Optional.of(new Denial(403, "Access is denied", false));
            }
        }
        if (clientCertificateRequired && !hasClientCertificate) {
            return Optional.of(new Denial(403, "client certificate required", false));
        }
        if (expectedToken.isPresent()) {
            if (authorization.isEmpty()) {
                return Optional.of(new Denial(401, "no auth header received", true));
            }
            String header = authorization.get();
            boolean ok = header.startsWith("Basic ") && MessageDigest.isEqual(expectedToken.get(),
                    header.substring(6).trim().getBytes(StandardCharsets.US_ASCII));
            if (!ok) {
                return Optional.of(new Denial(401, "not authenticated", true));
            }
        }
        return Optional.empty();
    }

    private static List<Network> memberNetworks(Optional<ClusterState> cluster) {
        List<Network> out = new ArrayList<>();
        for (Member m : cluster.map(ClusterState::members).orElse(List.of())) {
            Optional<String> url = m.data().apiUrl();
            if (url.isEmpty()) {
                continue;
            }
            try {
                String host = URI.create(url.get()).getHost();
                if (host != null) {
                    out.addAll(Network.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host));
                }
            } catch (IllegalArgumentException e) {
                LOG.debug("cannot parse api_url {} of member {}: {}", url.get(), m.name(), e.getMessage());
            }
        }
        return out;
    }

    private static boolean looksLikeAddress(String s) {
        return s.contains(":") || s.matches("[0-9.]+");
    }

    /** An address or CIDR network. */
    record Network(byte[] address, int prefix) {
        static List<Network> resolve(String entry) {
            String e = entry.trim();
            String address = e.contains("/") ? e.substring(0, e.indexOf('/')) : e;
            if (looksLikeAddress(address)) {
                return List.of(parseLiteral(e));
            }
            try {
                List<Network> out = new ArrayList<>();
                for (InetAddress a : InetAddress.getAllByName(e)) {
                    out.add(new Network(a.getAddress(), a.getAddress().length * 8));
                }
                return out;
            } catch (UnknownHostException ex) {
                LOG.error("Failed to resolve {}: {}", e, ex.getMessage());
                return List.of();
            }
        }

        static Network parseLiteral(String text) {
            int slash = text.indexOf('/');
            String address = slash >= 0 ? text.substring(0, slash) : text;
            byte[] bytes;
            try {
                if (!looksLikeAddress(address)) {
                    throw new UnknownHostException(address);
                }
                // a literal address: getByName parses it without any lookup
                bytes = InetAddress.getByName(address).getAddress();
            } catch (UnknownHostException ex) {
                throw new IllegalArgumentException("'" + text + "' is not a valid IP address or network");
            }
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("'" + text + "' has a prefix length out of range");
                }
            }
            return new Network(bytes, prefix);
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != address.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != address[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (address[full] & mask);
        }
    }
}
