package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A role from {@code bootstrap.users} (Patroni 3.x and older), created once by the member that bootstraps the
 * cluster: {@code name: {password: ..., options: [createrole, createdb]}}.
 *
 * @param name the role name
 * @param password its password, if given
 * @param options role attributes, upper case, each one of {@link #ATTRIBUTES}
 */
public record BootstrapUser(String name, Optional<Secret> password, List<String> options) {

    /** The role attributes accepted: anything else is refused, as it would end up in SQL. */
    public static final Set<String> ATTRIBUTES = Set.of("SUPERUSER", "NOSUPERUSER", "CREATEDB", "NOCREATEDB",
            "CREATEROLE", "NOCREATEROLE", "INHERIT", "NOINHERIT", "LOGIN", "NOLOGIN", "REPLICATION", "NOREPLICATION",
            "BYPASSRLS", "NOBYPASSRLS");

    public BootstrapUser {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(password, "password is null");
        options = List.copyOf(options);
    }

    /** Reads every user of the {@code bootstrap.users} section, reporting bad entries. */
    public static List<BootstrapUser> readAll(ConfigSection users, List<ConfigProblem> problems) {
        List<BootstrapUser> out = new ArrayList<>();
        for (String name : users.keys()) {
            if (name.isBlank()) {
                problems.add(ConfigProblem.error(users.pathOf(name), "a role name cannot be empty"));
                continue;
            }
            ConfigSection u = users.section(name, problems);
            Optional<Secret> password = u.string("password", problems).map(Secret::new);
            List<String> options = new ArrayList<>();
            for (String o : u.stringList("options", problems)) {
                String attr = o.trim().toUpperCase(Locale.ROOT);
                if (ATTRIBUTES.contains(attr)) {
                    options.add(attr);
                } else {
                    problems.add(ConfigProblem.error(u.pathOf("options"), "got '" + o + "': expected role attributes among "
                            + new java.util.TreeSet<>(ATTRIBUTES)));
                }
            }
            u.warnUnknownKeys(Set.of("password", "options"), problems);
            out.add(new BootstrapUser(name, password, options));
        }
        return out;
    }

    /** The users of a whole document's {@code bootstrap.users}; problems are ignored (validation reported them). */
    public static List<BootstrapUser> fromTree(Map<String, Object> tree) {
        Object bootstrap = tree.get("bootstrap");
        if (!(bootstrap instanceof Map<?, ?> b) || !(b.get("users") instanceof Map<?, ?> users)) {
            return List.of();
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        users.forEach((k, v) -> m.put(String.valueOf(k), v));
        return readAll(new ConfigSection("bootstrap.users", m), new ArrayList<>());
    }
}
