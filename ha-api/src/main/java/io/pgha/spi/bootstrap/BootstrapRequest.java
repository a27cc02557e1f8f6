package io.pgha.spi.bootstrap;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a bootstrap run is asked to do.
 *
 * @param dataDirectory the empty directory to create the cluster in
 * @param binDirectory where PostgreSQL's programs are
 * @param scope the cluster name
 * @param memberName this member's name
 * @param superuser the superuser name to create ({@code postgresql.authentication.superuser.username})
 * @param superuserPasswordFile a file (readable by the database OS user) holding the superuser's password, if one
 *        is configured
 * @param environment variables to run programs with
 * @param timeout how long the run may take
 * @since 1.0
 */
public record BootstrapRequest(Path dataDirectory, Path binDirectory, String scope, String memberName,
        String superuser, Optional<Path> superuserPasswordFile, Map<String, String> environment, Duration timeout) {
    public BootstrapRequest {
        Objects.requireNonNull(dataDirectory, "dataDirectory is null");
        Objects.requireNonNull(binDirectory, "binDirectory is null");
        Objects.requireNonNull(scope, "scope is null");
        Objects.requireNonNull(memberName, "memberName is null");
        Objects.requireNonNull(superuser, "superuser is null");
        Objects.requireNonNull(superuserPasswordFile, "superuserPasswordFile is null");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(timeout, "timeout is null");
    }
}
