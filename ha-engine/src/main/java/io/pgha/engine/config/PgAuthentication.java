package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code postgresql.authentication}: the roles the agent uses.
 *
 * @param superuser for local administration and bootstrap ({@code postgres} when not configured)
 * @param replication for replicas' streaming connections
 * @param rewind for {@code pg_rewind}; the superuser is used when absent
 */
public record PgAuthentication(PgUser superuser, Optional<PgUser> replication, Optional<PgUser> rewind) {

    /** The superuser name used when none is configured. */
    public static final String DEFAULT_SUPERUSER = "postgres";

    public PgAuthentication {
        Objects.requireNonNull(superuser, "superuser is null");
        Objects.requireNonNull(replication, "replication is null");
        Objects.requireNonNull(rewind, "rewind is null");
    }

    /** The role {@code pg_rewind} connects as: {@code rewind} if configured, else the superuser. */
    public PgUser rewindUser() {
        return rewind.orElse(superuser);
    }

    static PgAuthentication read(ConfigSection pg, List<ConfigProblem> problems) {
        ConfigSection s = pg.section("authentication", problems);
        s.warnUnknownKeys(Set.of("superuser", "replication", "rewind"), problems);
        PgUser superuser;
        if (s.raw("superuser") != null && !(s.raw("superuser") instanceof java.util.Map)) {
            s.section("superuser", problems);
            superuser = new PgUser(DEFAULT_SUPERUSER, Optional.empty(), Optional.empty(), java.util.Map.of());
        } else if (s.raw("superuser") == null) {
            problems.add(ConfigProblem.warning(s.pathOf("superuser"), "is missing: Patroni requires it; connecting as "
                    + DEFAULT_SUPERUSER + " without a password"));
            superuser = new PgUser(DEFAULT_SUPERUSER, Optional.empty(), Optional.empty(), java.util.Map.of());
        } else {
            superuser = PgUser.read(s.section("superuser", problems), problems);
        }
        Optional<PgUser> replication = user(s, "replication", problems);
        if (s.raw("replication") == null) {
            problems.add(ConfigProblem.warning(s.pathOf("replication"), "is missing: Patroni requires it; replicas"
                    + " will have no replication role to stream with"));
        }
        return new PgAuthentication(superuser, replication, user(s, "rewind", problems));
    }

    private static Optional<PgUser> user(ConfigSection s, String key, List<ConfigProblem> problems) {
        if (s.raw(key) == null) {
            return Optional.empty();
        }
        if (!(s.raw(key) instanceof java.util.Map)) {
            s.section(key, problems);
            return Optional.empty();
        }
        return Optional.of(PgUser.read(s.section(key, problems), problems));
    }
}
