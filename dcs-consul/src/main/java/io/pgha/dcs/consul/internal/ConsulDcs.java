package io.pgha.dcs.consul.internal;

import io.pgha.spi.ConfigProblem;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.DcsContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/** Opens {@link ConsulDcsClient}s from a validated section: the agent's address, token, TLS and the HTTP client. */
public final class ConsulDcs {
    private ConsulDcs() {
    }

    /** The section's problems, for {@code Provider.validate}. */
    public static List<ConfigProblem> validate(ConfigSection section) {
        List<ConfigProblem> problems = new ArrayList<>();
        ConsulSettings.parse(section, problems);
        return problems;
    }

    /**
     * Opens a client. Reads the TLS files, but does not contact Consul: an unreachable agent is reported by the
     * first operation.
     *
     * @throws InvalidConfigException when the section is invalid or a file it names cannot be used
     */
    public static ConsulDcsClient open(ConfigSection section, DcsContext context) {
        Objects.requireNonNull(section, "section is null");
        Objects.requireNonNull(context, "context is null");
        List<ConfigProblem> problems = new ArrayList<>();
        ConsulSettings settings = ConsulSettings.parse(section, problems);
        throwOnErrors(problems);
        SSLContext ssl = null;
        if (settings.tls()) {
            try {
                ssl = TlsFiles.context(settings);
            } catch (TlsFiles.TlsFileException e) {
                problems.add(ConfigProblem.error(section.pathOf(e.option), e.getMessage()));
                throwOnErrors(problems);
            }
        }
        SSLContext finalSsl = ssl;
        ConsulConnection connection = new ConsulConnection(timeout -> new EcwidConsulHttp(settings.agent(),
                settings.token(), settings.datacenter(), finalSsl, settings.verify(), timeout),
                settings.agent().toString(), context.timings());
        return new ConsulDcsClient(connection, settings, context.namespace(), context.scope(), context.memberName());
    }

    private static void throwOnErrors(List<ConfigProblem> problems) {
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new InvalidConfigException(problems);
        }
    }
}
