package io.pgha.engine.ctl;

import io.pgha.engine.config.ConfigLoader;
import io.pgha.engine.plugin.LoadedProvider;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.CommandRunner;
import io.pgha.spi.ConfigSection;
import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.DcsClient;
import io.pgha.spi.dcs.DcsContext;
import io.pgha.spi.dcs.DcsProvider;
import io.pgha.spi.dcs.DcsTimings;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.PatroniLayout;
import io.pgha.engine.json.EngineJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@code pghactl} command works with: the cluster's scope and namespace, a DCS client opened through the
 * installed DCS plugin exactly as the agent opens it, and HTTP calls to the members' REST APIs with the
 * {@code ctl} (else {@code restapi}) credentials. Read from the same configuration file as the agent, or from
 * {@code --dcs-url}.
 */
final class CtlSession implements AutoCloseable {
    private final String scope;
    private final String namespace;
    private final DcsClient dcs;
    private final Optional<String> authorization;
    private final String dcsName;
    private final boolean fenced;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private CtlSession(String scope, String namespace, DcsClient dcs, Optional<String> authorization, String dcsName,
            boolean fenced) {
        this.dcsName = dcsName;
        this.fenced = fenced;
        this.scope = scope;
        this.namespace = namespace;
        this.dcs = dcs;
        this.authorization = authorization;
    }

    /**
     * @param config the configuration file, if any
     * @param dcsUrl {@code <section>://host:port[,host:port]}, overriding the file's DCS section
     * @param scopeArgument the cluster named on the command line, overriding the file's scope
     */
    @SuppressWarnings("unchecked")
    static CtlSession open(Optional<Path> config, Optional<String> dcsUrl, Optional<String> scopeArgument,
            PluginRegistry plugins) {
        Map<String, Object> doc = config.map(ConfigLoader::readDocument).orElse(Map.of());
        String scope = scopeArgument.or(() -> Optional.ofNullable(doc.get("scope")).map(String::valueOf))
                .orElseThrow(() -> new PghaException("CTL_NO_SCOPE", "no cluster named: give it as an argument or "
                        + "set scope in the configuration file"));
        String namespace = PatroniLayout.normaliseNamespace(doc.get("namespace") == null ? null
                : String.valueOf(doc.get("namespace")));
        String section;
        Map<String, Object> options;
        if (dcsUrl.isPresent()) {
            URI uri = URI.create(dcsUrl.get());
            section = uri.getScheme();
            options = Map.of("hosts", uri.getAuthority());
        } else {
            Optional<String> found = plugins.names(PluginKind.DCS).stream().filter(doc::containsKey).findFirst();
            section = found.orElseThrow(() -> new PghaException("CTL_NO_DCS", "the configuration has no section of "
                    + "an installed DCS plugin " + plugins.names(PluginKind.DCS) + "; use --dcs-url"));
            options = doc.get(section) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }
        LoadedProvider<DcsProvider> provider = plugins.dcs(section);
        Path state;
        try {
            state = Files.createTempDirectory("pghactl-");
            state.toFile().deleteOnExit();
        } catch (java.io.IOException e) {
            throw new PghaException("CTL_STATE", "cannot create a temporary directory: " + e.getMessage());
        }
        DcsContext ctx = new Context(scope, namespace, state);
        DcsClient client = provider.contextual(DcsClient.class,
                provider.call(p -> p.open(new ConfigSection(section, options), ctx)));
        // the agents run with a fencing supervisor unless the file turns it off (what their timings depend on)
        boolean fenced = !(doc.get("fencing") instanceof Map<?, ?> f && "off".equals(String.valueOf(f.get("supervisor"))));
        return new CtlSession(scope, namespace, client, authorization(doc), section, fenced);
    }

    /** The DCS section the session reads ({@code etcd3}, {@code zookeeper}, ...). */
    String dcsName() {
        return dcsName;
    }

    /** Whether the members run with a fencing supervisor, as far as the configuration file tells. */
    boolean fenced() {
        return fenced;
    }

    @SuppressWarnings("unchecked")
    private static Optional<String> authorization(Map<String, Object> doc) {
        for (String section : new String[] {"ctl", "restapi"}) {
            if (doc.get(section) instanceof Map<?, ?> s && s.get("authentication") instanceof Map<?, ?> a
                    && a.get("username") != null && a.get("password") != null) {
                String pair = a.get("username") + ":" + a.get("password");
                return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
            }
        }
        return Optional.empty();
    }

    String scope() {
        return scope;
    }

    String namespace() {
        return namespace;
    }

    DcsClient dcs() {
        return dcs;
    }

    ClusterState read() {
        return dcs.read();
    }

    /** A member's REST API answer: status and body. */
    record Reply(int status, String body) {
    }

    /** {@code method <api>/<path>} on {@code member}, with a JSON body when given. */
    Reply call(Member member, String method, String path, Optional<Object> body) {
        String api = member.data().apiUrl().orElseThrow(() -> new PghaException("CTL_NO_API",
                "member " + member.name() + " publishes no api_url"));
        URI uri = URI.create(api.replaceFirst("/patroni$", "") + "/" + path);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                .method(method, body.map(b -> HttpRequest.BodyPublishers.ofString(EngineJson.write(b)))
                        .orElse(HttpRequest.BodyPublishers.noBody()));
        body.ifPresent(b -> req.header("Content-Type", "application/json"));
        authorization.ifPresent(a -> req.header("Authorization", a));
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (java.io.IOException e) {
            throw new PghaException("CTL_HTTP", method + " " + uri + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PghaException("CTL_HTTP", "interrupted");
        }
    }

    @Override
    public void close() {
        dcs.close();
    }

    /** The DCS context of a control tool: it is no member and runs no commands. */
    private record Context(String scope, String namespace, Path stateDirectory) implements DcsContext {
        @Override
        public String memberName() {
            return "pghactl";
        }

        @Override
        public DcsTimings timings() {
            return DcsTimings.PATRONI_DEFAULTS;
        }

        @Override
        public CommandRunner commands() {
            return command -> {
                throw new UnsupportedOperationException("pghactl runs no commands through the DCS plugin");
            };
        }
    }
}
