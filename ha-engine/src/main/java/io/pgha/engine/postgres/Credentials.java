package io.pgha.engine.postgres;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A database user pgha connects as ({@code postgresql.authentication.superuser|replication|rewind}).
 *
 * @param username the role name
 * @param password its password, if one is configured (never logged: {@link #toString()} masks it)
 * @param connectionOptions libpq TLS/GSS options ({@code sslmode}, {@code sslcert}, {@code channel_binding}, ...),
 *        only the keys in {@link #CONNECTION_OPTION_KEYS}
 */
public record Credentials(String username, Optional<String> password, Map<String, String> connectionOptions) {

    /** The libpq options Patroni accepts next to username and password. */
    public static final Set<String> CONNECTION_OPTION_KEYS = Set.of("sslmode", "sslkey", "sslpassword", "sslcert",
            "sslrootcert", "sslcrl", "sslcrldir", "gssencmode", "channel_binding", "sslnegotiation");

    public Credentials {
        Objects.requireNonNull(username, "username is null");
        Objects.requireNonNull(password, "password is null");
        Map<String, String> kept = new LinkedHashMap<>();
        connectionOptions.forEach((k, v) -> {
            if (!CONNECTION_OPTION_KEYS.contains(k)) {
                throw new IllegalArgumentException("not a libpq connection option pgha passes on: " + k);
            }
            kept.put(k, Objects.requireNonNull(v, k + " is null"));
        });
        connectionOptions = java.util.Collections.unmodifiableMap(kept);
    }

    public static Credentials of(String username, String password) {
        return new Credentials(username, Optional.ofNullable(password), Map.of());
    }

    public static Credentials withoutPassword(String username) {
        return new Credentials(username, Optional.empty(), Map.of());
    }

    @Override
    public String toString() {
        return "Credentials[" + username + (password.isPresent() ? ", password ******" : "") + ", " + connectionOptions
                + "]";
    }
}
