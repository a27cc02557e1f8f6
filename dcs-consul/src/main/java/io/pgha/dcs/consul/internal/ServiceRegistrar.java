package io.pgha.dcs.consul.internal;

import io.pgha.spi.dcs.DcsUnavailableException;
import io.pgha.spi.dcs.MemberData;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code register_service: true}: keeps this member registered as a Consul service while its PostgreSQL runs, as
 * Patroni does, from the member record the agent publishes anyway (its {@code state}, {@code role},
 * {@code conn_url} and {@code api_url}), so that no engine hook is needed.
 *
 * <ul>
 *   <li>Service name: the scope, lower-cased, with {@code .}, {@code _} and spaces turned into {@code -} and any
 *       other character outside {@code [a-z0-9-]} into {@code u} + its four-digit code, cut to 230 characters.
 *       Service id: {@code <scope>/<member>}.</li>
 *   <li>Address and port: those of {@code conn_url}. Tags: {@code service_tags}, then the role:
 *       {@code primary} and {@code master} for a primary, {@code replica}, {@code standby-leader}.</li>
 *   <li>An HTTP check on the member's REST API endpoint for its role ({@code http://host:port/primary},
 *       {@code /replica}, {@code /standby-leader}) every {@code service_check_interval}; Consul deregisters the
 *       service after it has been critical for 5 x ttl.</li>
 *   <li>Registered (again) whenever the registration would change while {@code state} is {@code running};
 *       deregistered when {@code state} becomes {@code stopped}. Other states leave it as it is.</li>
 * </ul>
 * A failed registration is logged and retried with the next publication; it never fails the member's publication.
 *
 * <p>Thread-safe.
 */
final class ServiceRegistrar {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceRegistrar.class);
    private static final int MAX_NAME = 230;

    private final ConsulConnection connection;
    private final ConsulSettings settings;
    private final String serviceName;
    private final String serviceId;
    private ConsulHttp.Service registered;
    // unknown at start: a crashed predecessor may have left the service registered
    private boolean deregistered;

    ServiceRegistrar(ConsulConnection connection, ConsulSettings settings, String scope, String member) {
        this.connection = connection;
        this.settings = settings;
        this.serviceName = serviceName(scope);
        this.serviceId = scope + "/" + member;
    }

    /** Patroni's service name for a scope. */
    static String serviceName(String scope) {
        StringBuilder sb = new StringBuilder();
        for (char c : scope.toLowerCase(Locale.ROOT).toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                sb.append(c);
            } else if (c == '.' || c == '_' || c == ' ') {
                sb.append('-');
            } else {
                sb.append('u').append(String.format(Locale.ROOT, "%04d", (int) c));
            }
        }
        return sb.length() > MAX_NAME ? sb.substring(0, MAX_NAME) : sb.toString();
    }

    /** The registration {@code member} calls for, if its state and role call for one. */
    Optional<ConsulHttp.Service> registrationFor(MemberData member) {
        String role = member.role().orElse("");
        List<String> roleTags = switch (role) {
            case "primary" -> List.of("primary", "master");
            case "master" -> List.of("master", "primary");
            case "replica" -> List.of("replica");
            case "standby_leader" -> List.of("standby-leader");
            default -> List.of();
        };
        if (roleTags.isEmpty()) {
            return Optional.empty();
        }
        Optional<URI> conn = member.connUrl().flatMap(ServiceRegistrar::uri);
        Optional<URI> api = member.apiUrl().flatMap(ServiceRegistrar::uri);
        if (conn.isEmpty() || api.isEmpty() || conn.get().getHost() == null || api.get().getHost() == null) {
            return Optional.empty();
        }
        List<String> tags = new ArrayList<>(settings.serviceTags());
        tags.addAll(roleTags);
        URI a = api.get();
        String check = a.getScheme() + "://" + a.getHost() + (a.getPort() < 0 ? "" : ":" + a.getPort()) + "/"
                + role.replace('_', '-');
        int port = conn.get().getPort() < 0 ? 5432 : conn.get().getPort();
        Duration deregisterAfter = connection.timings().ttl().multipliedBy(5);
        return Optional.of(new ConsulHttp.Service(serviceId, serviceName, tags, conn.get().getHost(), port, check,
                settings.serviceCheckInterval(), deregisterAfter, settings.serviceCheckTlsServerName()));
    }

    private static Optional<URI> uri(String text) {
        try {
            return Optional.of(URI.create(text.trim()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Brings the registration in line with {@code member}, the record just published. */
    synchronized void update(MemberData member) {
        String state = member.state().orElse("");
        try {
            if (state.equals("stopped")) {
                if (!deregistered) {
                    connection.call("deregister service " + serviceId, h -> {
                        h.deregisterService(serviceId);
                        return null;
                    });
                    LOG.info("deregistered Consul service {} ({}): PostgreSQL stopped", serviceId, serviceName);
                    deregistered = true;
                    registered = null;
                }
                return;
            }
            if (!state.equals("running")) {
                return;
            }
            Optional<ConsulHttp.Service> wanted = registrationFor(member);
            if (wanted.isEmpty() || Objects.equals(wanted.get(), registered)) {
                return;
            }
            ConsulHttp.Service service = wanted.get();
            connection.call("register service " + serviceId, h -> {
                h.registerService(service);
                return null;
            });
            LOG.info("registered Consul service {} as {} with tags {} and check {} every {}", serviceId, serviceName,
                    service.tags(), service.checkUrl(), GoDuration.format(service.checkInterval()));
            registered = service;
            deregistered = false;
        } catch (DcsUnavailableException e) {
            LOG.warn("could not update Consul service {} (retried with the next member update): {}", serviceId,
                    e.getMessage());
        }
    }
}
