package io.pgha.engine.config;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import java.util.List;
import java.util.Optional;

/** Reads {@code connect_address}-style keys: a single host that others can connect to, and a port. */
final class ConnectAddresses {
    private ConnectAddresses() {
    }

    static Optional<HostPort> read(ConfigSection s, String key, List<ConfigProblem> problems) {
        Optional<HostPort> hp = Fields.hostPort(s, key, false, true, problems);
        if (hp.isEmpty()) {
            return hp;
        }
        String host = hp.get().host();
        if (HostPort.isWildcardHost(host)) {
            problems.add(ConfigProblem.error(s.pathOf(key), "got '" + hp.get() + "': " + host
                    + " means every interface and cannot be connected to; expected this host's address, for example 10.0.0.1:"
                    + hp.get().port()));
            return Optional.empty();
        }
        if (HostPort.isLoopbackHost(host)) {
            // Patroni refuses loopback here; pgha accepts it for single-host test clusters but says why it is risky
            problems.add(ConfigProblem.warning(s.pathOf(key), "is '" + hp.get()
                    + "', a loopback address: members on other hosts cannot reach it"));
        }
        return hp;
    }
}
