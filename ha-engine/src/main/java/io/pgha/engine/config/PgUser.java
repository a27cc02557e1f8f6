package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One PostgreSQL role the agent connects as ({@code postgresql.authentication.superuser}, {@code replication},
 * {@code rewind}).
 *
 * @param username the role name
 * @param password its password; masked in {@link #toString()}
 * @param sslpassword password of the client key; masked
 * @param options other libpq options ({@code sslmode}, {@code sslcert}, {@code channel_binding}, ...)
 */
public record PgUser(String username, Optional<Secret> password, Optional<Secret> sslpassword,
        Map<String, String> options) {

    /** libpq options accepted next to username and password. */
    public static final Set<String> OPTIONS = Set.of("sslmode", "sslkey", "sslcert", "sslrootcert", "sslcrl",
            "sslcrldir", "gssencmode", "channel_binding", "sslnegotiation");

    public PgUser {
        Objects.requireNonNull(username, "username is null");
        Objects.requireNonNull(password, "password is null");
        Objects.requireNonNull(sslpassword, "sslpassword is null");
        options = Map.copyOf(options);
    }

    static PgUser read(ConfigSection s, List<ConfigProblem> problems) {
        java.util.HashSet<String> known = new java.util.HashSet<>(OPTIONS);
        known.addAll(Set.of("username", "password", "sslpassword"));
        s.warnUnknownKeys(known, problems);
        String username = s.requiredString("username", problems);
        Map<String, String> options = new LinkedHashMap<>();
        for (String o : OPTIONS) {
            Fields.text(s, o, problems).ifPresent(v -> options.put(o, v));
        }
        return new PgUser(username, Fields.secret(s, "password", problems), Fields.secret(s, "sslpassword", problems),
                options);
    }
}
