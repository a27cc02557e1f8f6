package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code ctl} section: how command-line tools and members call other members' REST APIs.
 *
 * @param authentication Basic credentials to send (falls back to {@code restapi.authentication} in Patroni)
 * @param insecure do not verify server certificates
 * @param cacert CA bundle to verify servers with
 * @param certfile client certificate
 * @param keyfile client key
 * @param keyfilePassword password of {@code keyfile}
 */
public record CtlConfig(Optional<BasicAuth> authentication, boolean insecure, Optional<String> cacert,
        Optional<String> certfile, Optional<String> keyfile, Optional<Secret> keyfilePassword) {

    static final Set<String> KEYS = Set.of("authentication", "insecure", "cacert", "certfile", "keyfile",
            "keyfile_password");

    static CtlConfig read(ConfigSection root, List<ConfigProblem> problems) {
        ConfigSection s = root.section("ctl", problems);
        s.warnUnknownKeys(KEYS, problems);
        return new CtlConfig(BasicAuth.read(s, problems), s.bool("insecure", false, problems),
                Fields.text(s, "cacert", problems), Fields.text(s, "certfile", problems),
                Fields.text(s, "keyfile", problems), Fields.secret(s, "keyfile_password", problems));
    }
}
