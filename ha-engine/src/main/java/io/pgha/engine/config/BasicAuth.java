package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * HTTP Basic credentials ({@code restapi.authentication}, {@code ctl.authentication}).
 *
 * @param username the user name
 * @param password the password; masked in {@link #toString()}
 */
public record BasicAuth(String username, Secret password) {

    public BasicAuth {
        Objects.requireNonNull(username, "username is null");
        Objects.requireNonNull(password, "password is null");
    }

    /** Reads {@code <parent>.authentication}: both keys are required when the section is present. */
    static Optional<BasicAuth> read(ConfigSection parent, List<ConfigProblem> problems) {
        Object raw = parent.raw("authentication");
        ConfigSection s = parent.section("authentication", problems);
        if (!(raw instanceof java.util.Map)) {
            return Optional.empty();
        }
        s.warnUnknownKeys(Set.of("username", "password"), problems);
        String user = s.requiredString("username", problems);
        Optional<String> password = s.string("password", problems);
        if (password.isEmpty() && s.raw("password") == null) {
            problems.add(ConfigProblem.error(s.pathOf("password"), "is missing: expected the password that goes with "
                    + s.pathOf("username")));
        }
        if (user.isBlank() || password.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BasicAuth(user, new Secret(password.get())));
    }
}
