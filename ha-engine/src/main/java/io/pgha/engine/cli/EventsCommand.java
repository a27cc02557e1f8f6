package io.pgha.engine.cli;

import io.pgha.engine.agent.ClusterReader;
import io.pgha.engine.config.ConfigLoader;
import io.pgha.engine.config.LoadedConfig;
import io.pgha.engine.journal.ClusterEvents;
import io.pgha.engine.journal.ClusterEvents.MemberJournal;
import io.pgha.engine.plugin.PluginKind;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.InvalidConfigException;
import io.pgha.spi.dcs.ClusterState;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pgha events <config>}: every member's decision journal ({@code GET /events}), merged by time. Answers
 * "why did it demote?" for the whole cluster at once.
 */
@Command(name = "events", description = {"Show the decision journals of every member of the cluster, merged by time.",
        "Members are found in the DCS the configuration names; each is asked for GET /events on its api_url.",
        "Exit code 0 when every member answered, 1 when some did not (their events are missing)."})
public final class EventsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<config>", description = "configuration file or directory")
    private Path config;

    @Option(names = "--since", paramLabel = "<seq|instant>",
            description = "only events after this sequence number or ISO-8601 instant (e.g. 2026-12-05T06:00:00Z)")
    private String since;

    @Option(names = "--by-member", description = "group the events per member instead of one timeline")
    private boolean byMember;

    @Option(names = "--timeout", paramLabel = "<seconds>", defaultValue = "5",
            description = "how long to wait for each member (default: ${DEFAULT-VALUE})")
    private int timeoutSeconds;

    @Mixin
    private PluginsCommand.PluginsDirOption pluginsDir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> env = System.getenv();
        PluginRegistry plugins = PluginRegistry.load(pluginsDir.resolve(env));
        LoadedConfig loaded;
        try {
            loaded = new ConfigLoader(env, new HashSet<>(plugins.names(PluginKind.DCS))).load(Optional.ofNullable(config));
        } catch (InvalidConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println((p.isError() ? "error: " : "warning: ") + p);
            }
            err.println("pgha events: the configuration is invalid");
            return 1;
        }
        ClusterState cluster = ClusterReader.read(loaded, plugins, env);
        if (cluster.members().isEmpty()) {
            err.println("pgha events: the DCS lists no members of cluster " + loaded.config().scope());
            return 1;
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeoutSeconds)).build();
        List<MemberJournal> journals = ClusterEvents.fetch(cluster.members(), Optional.ofNullable(since), client,
                Duration.ofSeconds(timeoutSeconds));
        out.print(byMember ? ClusterEvents.perMember(journals) : ClusterEvents.timeline(journals));
        out.flush();
        return journals.stream().anyMatch(j -> j.error().isPresent()) ? 1 : 0;
    }
}
