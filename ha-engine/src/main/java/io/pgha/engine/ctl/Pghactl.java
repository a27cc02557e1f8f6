package io.pgha.engine.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgha.engine.Versions;
import io.pgha.engine.cli.PluginsCommand;
import io.pgha.engine.config.DynamicConfig;
import io.pgha.engine.plugin.PluginRegistry;
import io.pgha.engine.rest.ClusterDocument;
import io.pgha.spi.ConfigProblem;
import io.pgha.spi.PghaException;
import io.pgha.spi.dcs.ClusterState;
import io.pgha.spi.dcs.FailoverRequest;
import io.pgha.spi.dcs.HistoryEntry;
import io.pgha.spi.dcs.Member;
import io.pgha.spi.dcs.Precondition;
import io.pgha.engine.json.EngineJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;

/**
 * {@code pghactl} (also {@code pgha ctl}): Patroni's {@code patronictl} for a pgha (or Patroni) cluster. It reads the
 * DCS through the installed DCS plugin and asks members over their REST APIs, as patronictl does; every command exits
 * non-zero with a message naming what went wrong.
 */
@Command(name = "pghactl", mixinStandardHelpOptions = true, versionProvider = Pghactl.VersionProvider.class,
        description = "Control a pgha (or Patroni) cluster, as patronictl does.",
        subcommands = {Pghactl.ListCommand.class, Pghactl.Topology.class, Pghactl.ShowConfig.class,
                Pghactl.EditConfig.class, Pghactl.Pause.class, Pghactl.Resume.class, Pghactl.Switchover.class,
                Pghactl.Failover.class, Pghactl.Restart.class, Pghactl.Reload.class, Pghactl.Reinit.class,
                Pghactl.History.class, Pghactl.Flush.class, Pghactl.Remove.class, Pghactl.Dsn.class, Pghactl.Query.class, Pghactl.Events.class,
                Pghactl.VersionCommand.class})
public final class Pghactl implements Runnable {

    @Option(names = {"-c", "--config-file"}, description = "the agent's configuration file (or PATRONICTL_CONFIG_FILE)")
    Path configFile;

    @Option(names = "--dcs-url", description = "the DCS to read, as <section>://host:port (etcd3://127.0.0.1:2379)")
    String dcsUrl;

    @Mixin
    PluginsCommand.PluginsDirOption pluginsDir = new PluginsCommand.PluginsDirOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int run(String... args) {
        quietLogging();
        CommandLine cl = new CommandLine(new Pghactl());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof PghaException p) {
                commandLine.getErr().println("pghactl: " + p.getMessage());
                commandLine.getErr().flush();
                return 1;
            }
            if (e instanceof io.pgha.spi.dcs.DcsUnavailableException d) {
                commandLine.getErr().println("pghactl: the DCS is not accessible: " + d.getMessage());
                commandLine.getErr().flush();
                return 1;
            }
            throw e;
        });
        try {
            return cl.execute(args);
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * A control tool's output is its answer: the DCS client libraries' INFO lines (gRPC logs through java.util.logging)
     * go nowhere; warnings still reach stderr.
     */
    static void quietLogging() {
        if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
        if (org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    /** YAML as an operator writes it: no document marker, quotes only where needed. */
    static ObjectMapper yaml() {
        return new ObjectMapper(YAMLFactory.builder()
                .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());
    }

    CtlSession session(Optional<String> cluster) {
        quietLogging();
        Map<String, String> env = System.getenv();
        Optional<Path> config = Optional.ofNullable(configFile)
                .or(() -> Optional.ofNullable(env.get("PATRONICTL_CONFIG_FILE")).map(Path::of));
        if (config.isEmpty() && dcsUrl == null) {
            throw new PghaException("CTL_NO_CONFIG", "no configuration: give -c <file>, PATRONICTL_CONFIG_FILE or "
                    + "--dcs-url");
        }
        return CtlSession.open(config, Optional.ofNullable(dcsUrl), cluster, PluginRegistry.load(pluginsDir.resolve(env)));
    }

    /** Prints {@code pghactl}'s version and the Patroni version it is compatible with. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"pghactl version " + Versions.engine() + " (Patroni " + Versions.PATRONI_COMPATIBLE
                    + " compatible)"};
        }
    }

    /** Shared plumbing of the subcommands. */
    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        Pghactl parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        boolean confirm(String question, boolean force) {
            if (force) {
                return true;
            }
            out().print(question + " [y/N]: ");
            out().flush();
            try {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                return line != null && (line.trim().equalsIgnoreCase("y") || line.trim().equalsIgnoreCase("yes"));
            } catch (java.io.IOException e) {
                return false;
            }
        }

        static Member member(ClusterState c, String name) {
            return c.member(name).orElseThrow(() -> new PghaException("CTL_NO_MEMBER", name + " is not a member of "
                    + "the cluster (members: " + c.members().stream().map(Member::name).toList() + ")"));
        }

        static Member leader(ClusterState c) {
            return c.leaderMember().orElseThrow(() -> new PghaException("CTL_NO_LEADER", "the cluster has no leader"));
        }

        /** Calls {@code method /path} on each member and prints Patroni's style of line; false if any failed. */
        boolean onMembers(CtlSession s, List<Member> members, String method, String path, Optional<Object> body,
                String what) {
            boolean ok = true;
            for (Member m : members) {
                CtlSession.Reply r = s.call(m, method, path, body);
                boolean good = r.status() >= 200 && r.status() < 300;
                ok &= good;
                out().println((good ? "Success: " : "Failed: ") + what + " for member " + m.name() + ", status code="
                        + r.status() + ", (" + r.body().strip() + ")");
            }
            return ok;
        }

        List<Member> targets(ClusterState c, List<String> names) {
            if (names == null || names.isEmpty()) {
                return c.members();
            }
            List<Member> out = new ArrayList<>();
            names.forEach(n -> out.add(member(c, n)));
            return out;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the members of the cluster.")
    static final class ListCommand extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Option(names = {"-f", "--format"}, defaultValue = "pretty", description = "pretty, json, yaml or tsv")
        String format;

        @Option(names = {"-e", "--extended"}, description = "also show pending restarts and scheduled actions")
        boolean extended;

        @Option(names = {"-W"}, description = "watch: repeat every 2 seconds until interrupted")
        boolean watch;

        @Override
        public Integer call() throws Exception {
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                do {
                    print(s);
                    if (watch) {
                        Thread.sleep(2000);
                    }
                } while (watch);
            }
            return 0;
        }

        @SuppressWarnings("unchecked")
        private void print(CtlSession s) throws Exception {
            ClusterState cluster = s.read();
            Map<String, Object> doc = ClusterDocument.of(cluster, s.scope());
            List<Map<String, Object>> members = (List<Map<String, Object>>) doc.get("members");
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Map<String, Object> m : members) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("Cluster", s.scope());
                row.put("Member", m.get("name"));
                row.put("Host", m.get("host") + ":" + m.get("port"));
                row.put("Role", title(String.valueOf(m.get("role"))));
                // the state each member published, as patronictl 3.0 shows it
                row.put("State", cluster.member(String.valueOf(m.get("name"))).flatMap(x -> x.data().state())
                        .orElse(String.valueOf(m.get("state"))));
                row.put("TL", m.get("timeline"));
                row.put("Lag in MB", m.get("lag") instanceof Number n ? n.longValue() / 1048576 : m.get("lag"));
                if (extended) {
                    row.put("Pending restart", Boolean.TRUE.equals(m.get("pending_restart")) ? "*" : "");
                    row.put("Scheduled restart", m.get("scheduled_restart") instanceof Map<?, ?> sr
                            ? String.valueOf(sr.get("schedule")) : "");
                }
                rows.add(row);
            }
            switch (format) {
                case "json" -> out().println(EngineJson.write(rows));
                case "yaml" -> out().print(yaml().writeValueAsString(rows));
                case "tsv" -> {
                    if (!rows.isEmpty()) {
                        out().println(String.join("\t", rows.get(0).keySet()));
                    }
                    rows.forEach(r -> out().println(String.join("\t", r.values().stream()
                            .map(v -> v == null ? "" : String.valueOf(v)).toList())));
                }
                case "pretty" -> out().print(table(s.scope(), rows)
                        + (Boolean.TRUE.equals(doc.get("pause")) ? " Maintenance mode: on\n" : ""));
                default -> throw new PghaException("CTL_FORMAT", "unknown format " + format
                        + ": expected pretty, json, yaml or tsv");
            }
            out().flush();
        }

        /** Patroni's table: one column per key after the cluster's, a rule above and below the header. */
        static String table(String scope, List<Map<String, Object>> rows) {
            List<String> columns = rows.isEmpty() ? List.of("Member", "Host", "Role", "State", "TL", "Lag in MB")
                    : rows.get(0).keySet().stream().filter(k -> !k.equals("Cluster")).toList();
            int[] width = new int[columns.size()];
            for (int i = 0; i < columns.size(); i++) {
                width[i] = columns.get(i).length();
                for (Map<String, Object> r : rows) {
                    width[i] = Math.max(width[i], cell(r.get(columns.get(i))).length());
                }
            }
            StringBuilder rule = new StringBuilder("+");
            for (int w : width) {
                rule.append("-".repeat(w + 2)).append('+');
            }
            String title = "+ Cluster: " + scope + " ";
            StringBuilder b = new StringBuilder(title.length() < rule.length()
                    ? title + rule.substring(title.length()) : title).append('\n');
            b.append(line(columns.stream().map(c -> (Object) c).toList(), width)).append(rule).append('\n');
            for (Map<String, Object> r : rows) {
                b.append(line(columns.stream().map(r::get).toList(), width));
            }
            return b.append(rule).append('\n').toString();
        }

        private static String line(List<Object> cells, int[] width) {
            StringBuilder b = new StringBuilder("|");
            for (int i = 0; i < cells.size(); i++) {
                String c = cell(cells.get(i));
                boolean number = cells.get(i) instanceof Number;
                b.append(' ').append(number ? " ".repeat(width[i] - c.length()) + c : c + " ".repeat(width[i] - c.length()))
                        .append(" |");
            }
            return b.append('\n').toString();
        }

        private static String cell(Object v) {
            return v == null ? "" : String.valueOf(v);
        }

        static String title(String role) {
            return switch (role) {
                case "leader" -> "Leader";
                case "standby_leader" -> "Standby Leader";
                case "sync_standby" -> "Sync Standby";
                default -> "Replica";
            };
        }
    }

    @Command(name = "topology", mixinStandardHelpOptions = true, description = "Show the replication topology.")
    static final class Topology extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Override
        public Integer call() {
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                ClusterState c = s.read();
                Optional<String> leader = c.leader().map(l -> l.name());
                leader.ifPresent(l -> out().println(l + " (Leader)"));
                for (Member m : c.members()) {
                    if (leader.filter(m.name()::equals).isEmpty()) {
                        Object from = m.data().tags().get("replicatefrom");
                        out().println("+ " + m.name() + (from != null ? " (from " + from + ")" : ""));
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "show-config", mixinStandardHelpOptions = true, description = "Show the cluster configuration.")
    static final class ShowConfig extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Option(names = "--explain", description = "also print the worst-case failover, demotion and fencing timings "
                + "these settings imply on this DCS")
        boolean explain;

        @Override
        public Integer call() throws Exception {
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                Map<String, Object> config = s.read().config().map(c -> c.data()).orElse(Map.of());
                out().print(yaml().writeValueAsString(config));
                if (explain) {
                    DynamicConfig d = DynamicConfig.from(config, new ArrayList<>());
                    io.pgha.engine.ha.TimingReport report = io.pgha.engine.ha.TimingReport.of(
                            d.adjustedTimings(s.fenced()), s.dcsName(), Duration.ofSeconds(2));
                    out().println();
                    out().println(report.text());
                }
            }
            return 0;
        }
    }

    @Command(name = "edit-config", mixinStandardHelpOptions = true,
            description = "Change the cluster configuration: with -s/-p/--apply, or in $EDITOR.")
    static final class EditConfig extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Option(names = {"-s", "--set"}, description = "key=value, dotted keys for nesting")
        List<String> set = new ArrayList<>();

        @Option(names = {"-p", "--pg"}, description = "a PostgreSQL parameter: name=value")
        List<String> pg = new ArrayList<>();

        @Option(names = "--apply", description = "a YAML file whose keys are merged in (- for standard input)")
        String apply;

        @Option(names = "--force", description = "do not ask for confirmation")
        boolean force;

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() throws Exception {
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                ClusterState c = s.read();
                Map<String, Object> current = c.config().map(cfg -> cfg.data()).orElse(Map.of());
                Map<String, Object> patch = new LinkedHashMap<>();
                for (String kv : set) {
                    put(patch, kv, "");
                }
                for (String kv : pg) {
                    put(patch, kv, "postgresql.parameters.");
                }
                ObjectMapper yaml = yaml();
                if (apply != null) {
                    String text = apply.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                            : Files.readString(Path.of(apply));
                    patch = DynamicConfig.patched(patch, yaml.readValue(text, Map.class));
                }
                Map<String, Object> next;
                if (set.isEmpty() && pg.isEmpty() && apply == null) {
                    next = inEditor(yaml, current);
                } else {
                    next = DynamicConfig.patched(current, patch);
                }
                List<ConfigProblem> problems = new ArrayList<>();
                DynamicConfig.from(next, problems);
                List<ConfigProblem> errors = problems.stream().filter(ConfigProblem::isError).toList();
                if (!errors.isEmpty()) {
                    throw new PghaException("CTL_INVALID_CONFIG", "the new configuration is invalid: " + errors);
                }
                if (next.equals(current)) {
                    out().println("Not changed");
                    return 0;
                }
                out().print(diff(yaml.writeValueAsString(current), yaml.writeValueAsString(next)));
                if (!confirm("Apply these changes?", force)) {
                    out().println("Not changed");
                    return 1;
                }
                Precondition p = c.config().map(cfg -> Precondition.version(cfg.version())).orElse(Precondition.absent());
                if (!s.dcs().writeConfig(next, p)) {
                    throw new PghaException("CTL_CONFLICT", "the configuration changed meanwhile; nothing was written, "
                            + "try again");
                }
                out().println("Configuration changed");
            }
            return 0;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> inEditor(ObjectMapper yaml, Map<String, Object> current) throws Exception {
            Path tmp = Files.createTempFile("pghactl-config-", ".yaml");
            try {
                Files.writeString(tmp, yaml.writeValueAsString(current));
                String editor = Optional.ofNullable(System.getenv("EDITOR")).orElse("vi");
                Process p = new ProcessBuilder(editor, tmp.toString()).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new PghaException("CTL_EDITOR", editor + " exited with " + p.exitValue()
                            + "; nothing was changed");
                }
                return yaml.readValue(Files.readString(tmp), Map.class);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        private static void put(Map<String, Object> patch, String kv, String prefix) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new PghaException("CTL_BAD_SETTING", "'" + kv + "' is not key=value");
            }
            String[] path = (prefix + kv.substring(0, eq)).split("\\.");
            Map<String, Object> at = patch;
            for (int i = 0; i < path.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) at.computeIfAbsent(path[i], k -> new LinkedHashMap<>());
                at = next;
            }
            String raw = kv.substring(eq + 1);
            at.put(path[path.length - 1], raw.equals("null") ? null : scalar(raw));
        }

        private static Object scalar(String raw) {
            if (raw.equals("true") || raw.equals("false")) {
                return Boolean.valueOf(raw);
            }
            try {
                return Long.parseLong(raw);
            } catch (NumberFormatException e) {
                return raw;
            }
        }

        private static String diff(String before, String after) {
            StringBuilder b = new StringBuilder("--- \n+++ \n");
            List<String> old = before.lines().toList();
            List<String> neu = after.lines().toList();
            old.stream().filter(l -> !neu.contains(l)).forEach(l -> b.append('-').append(l).append('\n'));
            neu.stream().filter(l -> !old.contains(l)).forEach(l -> b.append('+').append(l).append('\n'));
            return b.toString();
        }
    }

    /** pause and resume: {@code PATCH /config} on a member (else the DCS), then wait for every member to say so. */
    abstract static class PauseResume extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Option(names = "--wait", description = "wait until every member reports it")
        boolean waitForMembers;

        abstract boolean pause();

        @Override
        public Integer call() throws Exception {
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                ClusterState c = s.read();
                boolean paused = c.config().map(cfg -> Boolean.TRUE.equals(cfg.data().get("pause"))).orElse(false);
                if (paused == pause()) {
                    throw new PghaException("CTL_PAUSE", "Cluster is " + (paused ? "already paused" : "not paused"));
                }
                Member target = c.leaderMember().orElse(c.members().isEmpty() ? null : c.members().get(0));
                Map<String, Object> patch = new LinkedHashMap<>();
                patch.put("pause", pause() ? Boolean.TRUE : null);
                CtlSession.Reply r = target == null ? null : s.call(target, "PATCH", "config", Optional.of(patch));
                if (r == null || r.status() != 200) {
                    throw new PghaException("CTL_PAUSE", (pause() ? "pause" : "resume") + " failed"
                            + (r == null ? ": no member to ask" : ": " + r.body()));
                }
                if (waitForMembers) {
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (System.nanoTime() < deadline && !allReport(s)) {
                        Thread.sleep(250);
                    }
                    if (!allReport(s)) {
                        throw new PghaException("CTL_PAUSE", "not every member reported it within 60 s");
                    }
                }
                out().println("Success: cluster management is " + (pause() ? "paused" : "resumed"));
            }
            return 0;
        }

        @SuppressWarnings("unchecked")
        private boolean allReport(CtlSession s) {
            for (Member m : s.read().members()) {
                try {
                    Map<String, Object> doc = (Map<String, Object>) EngineJson.parse(s.call(m, "GET", "patroni",
                            Optional.empty()).body());
                    if (Boolean.TRUE.equals(doc.get("pause")) != pause()) {
                        return false;
                    }
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Disable automatic failover.")
    static final class Pause extends PauseResume {
        @Override
        boolean pause() {
            return true;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume automatic failover.")
    static final class Resume extends PauseResume {
        @Override
        boolean pause() {
            return false;
        }
    }

    /** switchover and failover: through the leader's REST API, as patronictl. */
    abstract static class Handover extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Option(names = "--candidate", description = "the member to promote")
        String candidate;

        @Option(names = "--force", description = "do not ask for confirmation")
        boolean force;

        abstract String endpoint();

        abstract Optional<String> leaderOption();

        Optional<String> scheduled() {
            return Optional.empty();
        }

        @Override
        public Integer call() {
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                ClusterState c = s.read();
                Map<String, Object> body = new LinkedHashMap<>();
                leaderOption().or(() -> c.leader().map(l -> l.name())).ifPresent(l -> body.put("leader", l));
                if (candidate != null) {
                    member(c, candidate);
                    body.put("candidate", candidate);
                }
                scheduled().ifPresent(t -> body.put("scheduled_at", t));
                if (!confirm("Are you sure you want to " + endpoint() + " cluster " + s.scope() + "?", force)) {
                    out().println("Aborted");
                    return 1;
                }
                Member target = c.leaderMember().orElseGet(() -> c.members().stream()
                        .filter(m -> candidate == null || m.name().equals(candidate)).findFirst()
                        .orElseThrow(() -> new PghaException("CTL_NO_MEMBER", "no member to ask")));
                CtlSession.Reply r = s.call(target, "POST", endpoint(), Optional.of(body));
                out().println(r.body().strip());
                return r.status() >= 200 && r.status() < 300 ? 0 : 1;
            }
        }
    }

    @Command(name = "switchover", mixinStandardHelpOptions = true, description = "Switch the leader to a replica.")
    static final class Switchover extends Handover {
        @Option(names = {"--leader", "--primary", "--master"}, description = "the current leader")
        String leader;

        @Option(names = "--scheduled", description = "when, as an ISO 8601 time with a zone, or now")
        String when;

        @Override
        String endpoint() {
            return "switchover";
        }

        @Override
        Optional<String> leaderOption() {
            return Optional.ofNullable(leader);
        }

        @Override
        Optional<String> scheduled() {
            return Optional.ofNullable(when).filter(w -> !w.equals("now"));
        }
    }

    @Command(name = "failover", mixinStandardHelpOptions = true, description = "Fail over to a replica.")
    static final class Failover extends Handover {
        @Override
        String endpoint() {
            return "failover";
        }

        @Override
        Optional<String> leaderOption() {
            return Optional.empty();
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Restart PostgreSQL on members.")
    static final class Restart extends Sub {
        @Parameters(index = "0", paramLabel = "<cluster>")
        String cluster;

        @Parameters(index = "1..*", paramLabel = "<member>")
        List<String> members;

        @Option(names = "--role", description = "only members with this role: leader, primary, replica, any")
        String role;

        @Option(names = "--pending", description = "only members with a pending restart")
        boolean pending;

        @Option(names = "--scheduled", description = "when, as an ISO 8601 time with a zone")
        String scheduled;

        @Option(names = "--force", description = "do not ask for confirmation")
        boolean force;

        @Override
        public Integer call() {
            try (CtlSession s = parent.session(Optional.of(cluster))) {
                ClusterState c = s.read();
                Map<String, Object> body = new LinkedHashMap<>();
                if (role != null && !role.equals("any")) {
                    body.put("role", role.equals("leader") ? "primary" : role);
                }
                if (pending) {
                    body.put("restart_pending", true);
                }
                if (scheduled != null) {
                    body.put("schedule", scheduled);
                }
                List<Member> targets = targets(c, members);
                if (!confirm("Restart " + targets.stream().map(Member::name).toList() + "?", force)) {
                    return 1;
                }
                return onMembers(s, targets, "POST", "restart", Optional.of(body), "restart") ? 0 : 1;
            }
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true, description = "Reload the members' configuration.")
    static final class Reload extends Sub {
        @Parameters(index = "0", paramLabel = "<cluster>")
        String cluster;

        @Parameters(index = "1..*", paramLabel = "<member>")
        List<String> members;

        @Option(names = "--force", description = "do not ask for confirmation")
        boolean force;

        @Override
        public Integer call() {
            try (CtlSession s = parent.session(Optional.of(cluster))) {
                List<Member> targets = targets(s.read(), members);
                if (!confirm("Reload " + targets.stream().map(Member::name).toList() + "?", force)) {
                    return 1;
                }
                return onMembers(s, targets, "POST", "reload", Optional.empty(), "reload") ? 0 : 1;
            }
        }
    }

    @Command(name = "reinit", mixinStandardHelpOptions = true, description = "Re-create a replica from the leader.")
    static final class Reinit extends Sub {
        @Parameters(index = "0", paramLabel = "<cluster>")
        String cluster;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "<member>")
        List<String> members;

        @Option(names = "--force", description = "do not ask for confirmation")
        boolean force;

        @Override
        public Integer call() {
            try (CtlSession s = parent.session(Optional.of(cluster))) {
                List<Member> targets = targets(s.read(), members);
                if (!confirm("Reinitialize " + targets.stream().map(Member::name).toList() + "?", force)) {
                    return 1;
                }
                return onMembers(s, targets, "POST", "reinitialize", Optional.of(Map.of("force", true)),
                        "reinitialize") ? 0 : 1;
            }
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Show the timeline history.")
    static final class History extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Override
        public Integer call() {
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                out().println("TL\tLSN\tReason\tTimestamp\tNew Leader");
                for (HistoryEntry e : s.read().history().map(h -> h.entries()).orElse(List.of())) {
                    out().println(e.timeline() + "\t" + e.switchLsn() + "\t" + e.reason() + "\t"
                            + e.timestamp().orElse("") + "\t" + e.newLeader().orElse(""));
                }
            }
            return 0;
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Discard scheduled actions: flush <cluster> [member...] restart|switchover")
    static final class Flush extends Sub {
        @Parameters(index = "0", paramLabel = "<cluster>")
        String cluster;

        @Parameters(index = "1..*", paramLabel = "<member...> restart|switchover")
        List<String> rest;

        @Option(names = "--force", description = "do not ask for confirmation")
        boolean force;

        @Override
        public Integer call() {
            if (rest == null || rest.isEmpty()) {
                throw new PghaException("CTL_FLUSH", "say what to flush: restart or switchover");
            }
            String what = rest.get(rest.size() - 1);
            try (CtlSession s = parent.session(Optional.of(cluster))) {
                ClusterState c = s.read();
                if (what.equals("switchover")) {
                    Optional<FailoverRequest> f = c.failover();
                    if (f.isEmpty()) {
                        out().println("No pending scheduled switchover");
                        return 0;
                    }
                    boolean cleared = s.dcs().clearFailover(Precondition.version(f.get().version()));
                    out().println(cleared ? "Success: scheduled switchover deleted" : "Failed: the request changed");
                    return cleared ? 0 : 1;
                }
                if (!what.equals("restart")) {
                    throw new PghaException("CTL_FLUSH", "can flush restart or switchover, not " + what);
                }
                List<Member> targets = targets(c, rest.subList(0, rest.size() - 1));
                return onMembers(s, targets, "DELETE", "restart", Optional.empty(), "flush scheduled restart")
                        ? 0 : 1;
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a cluster's keys from the DCS.")
    static final class Remove extends Sub {
        @Parameters(index = "0", paramLabel = "<cluster>")
        String cluster;

        @Override
        public Integer call() throws Exception {
            try (CtlSession s = parent.session(Optional.of(cluster))) {
                out().print("Please confirm the cluster name to remove: ");
                out().flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                if (!cluster.equals(Optional.ofNullable(in.readLine()).orElse("").trim())) {
                    throw new PghaException("CTL_REMOVE", "Cluster name does not match; nothing was removed");
                }
                out().print("You are about to remove all information in DCS for " + cluster
                        + ", please type: \"Yes I am aware\": ");
                out().flush();
                if (!"Yes I am aware".equals(Optional.ofNullable(in.readLine()).orElse("").trim())) {
                    throw new PghaException("CTL_REMOVE", "You did not exactly type \"Yes I am aware\"; nothing was "
                            + "removed");
                }
                s.dcs().deleteCluster();
                out().println("Removed cluster " + cluster + " from the DCS");
            }
            return 0;
        }
    }

    @Command(name = "dsn", mixinStandardHelpOptions = true, description = "Print a member's connection string.")
    static final class Dsn extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Option(names = "--member", description = "this member instead of the leader")
        String member;

        @Override
        public Integer call() {
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                ClusterState c = s.read();
                Member m = member == null ? leader(c) : member(c, member);
                java.net.URI u = java.net.URI.create(m.data().connUrl().orElseThrow(() -> new PghaException(
                        "CTL_NO_CONN", m.name() + " publishes no conn_url")));
                out().println("host=" + u.getHost() + " port=" + (u.getPort() > 0 ? u.getPort() : 5432));
            }
            return 0;
        }
    }

    @Command(name = "events", mixinStandardHelpOptions = true,
            description = "Print every member's decision journal as one timeline (as pgha events).")
    static final class Events extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Option(names = "--since", paramLabel = "<seq|instant>",
                description = "only events after this sequence number or ISO-8601 instant")
        String since;

        @Option(names = "--by-member", description = "group the events per member instead of one timeline")
        boolean byMember;

        @Override
        public Integer call() {
            List<Member> members;
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                members = s.read().members();
            }
            if (members.isEmpty()) {
                throw new PghaException("CTL_NO_MEMBER", "the DCS lists no members of the cluster");
            }
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5)).build();
            List<io.pgha.engine.journal.ClusterEvents.MemberJournal> journals = io.pgha.engine.journal.ClusterEvents.fetch(
                    members,
                    Optional.ofNullable(since), client, Duration.ofSeconds(5));
            out().print(byMember ? io.pgha.engine.journal.ClusterEvents.perMember(journals)
                    : io.pgha.engine.journal.ClusterEvents.timeline(journals));
            out().flush();
            return journals.stream().anyMatch(j -> j.error().isPresent()) ? 1 : 0;
        }
    }

    @Command(name = "query", mixinStandardHelpOptions = true,
            description = "Run SQL on a member (the leader unless -m or -r say otherwise) and print the rows.")
    static final class Query extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Option(names = {"-m", "--member"}, description = "the member to query")
        String member;

        @Option(names = {"-r", "--role"}, description = "leader, primary, replica or any (default: leader)")
        String role;

        @Option(names = {"-c", "--command"}, description = "the SQL to run")
        String command;

        @Option(names = {"-f", "--file"}, description = "a file with the SQL to run ('-' reads standard input)")
        String file;

        @Option(names = {"-U", "--username"}, description = "database user (default: the configuration's superuser)")
        String username;

        @Option(names = {"-d", "--dbname"}, description = "database (default: postgres)")
        String dbname = "postgres";

        @Option(names = "--format", description = "tsv (default) or json")
        String format = "tsv";

        @Option(names = "--delimiter", description = "the column delimiter of tsv (default: tab)")
        String delimiter = "\t";

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() throws Exception {
            if ((command == null) == (file == null)) {
                throw new PghaException("CTL_QUERY", "give the SQL with exactly one of -c/--command and -f/--file");
            }
            if (member != null && role != null) {
                throw new PghaException("CTL_QUERY", "-m/--member and -r/--role cannot be used together");
            }
            if (!format.equals("tsv") && !format.equals("json")) {
                throw new PghaException("CTL_QUERY", "--format must be tsv or json, not '" + format + "'");
            }
            String sql = command != null ? command : file.equals("-")
                    ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : java.nio.file.Files.readString(Path.of(file));
            Member target;
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                ClusterState c = s.read();
                target = member != null ? member(c, member) : byRole(c, role == null ? "leader" : role);
            }
            java.net.URI u = java.net.URI.create(target.data().connUrl().orElseThrow(() -> new PghaException(
                    "CTL_NO_CONN", target.name() + " publishes no conn_url")));
            Map<String, Object> superuser = superuser();
            java.util.Properties props = new java.util.Properties();
            props.setProperty("user", username != null ? username
                    : String.valueOf(superuser.getOrDefault("username", "postgres")));
            Optional.ofNullable(System.getenv("PGPASSWORD"))
                    .or(() -> username == null ? Optional.ofNullable(superuser.get("password")).map(String::valueOf)
                            : Optional.empty())
                    .ifPresent(pw -> props.setProperty("password", pw));
            props.setProperty("ApplicationName", "pghactl");
            props.setProperty("connectTimeout", "10");
            String url = "jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() > 0 ? u.getPort() : 5432) + "/"
                    + dbname;
            try (java.sql.Connection conn = new org.postgresql.Driver().connect(url, props);
                    java.sql.Statement st = conn.createStatement()) {
                boolean rows = st.execute(sql);
                if (!rows) {
                    out().println(st.getUpdateCount() >= 0 ? "(" + st.getUpdateCount() + " rows affected)" : "");
                    return 0;
                }
                try (java.sql.ResultSet rs = st.getResultSet()) {
                    print(rs);
                }
            } catch (java.sql.SQLException e) {
                throw new PghaException("CTL_QUERY", "on " + target.name() + ": " + e.getMessage());
            }
            return 0;
        }

        private void print(java.sql.ResultSet rs) throws java.sql.SQLException {
            java.sql.ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                names.add(md.getColumnLabel(i));
            }
            List<Map<String, Object>> out = new ArrayList<>();
            String sep = delimiter.equals("\\t") ? "\t" : delimiter;
            if (format.equals("tsv")) {
                out().println(String.join(sep, names));
            }
            while (rs.next()) {
                if (format.equals("tsv")) {
                    List<String> cells = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        String v = rs.getString(i);
                        cells.add(v == null ? "" : v);
                    }
                    out().println(String.join(sep, cells));
                } else {
                    Map<String, Object> row = new java.util.LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        row.put(names.get(i - 1), rs.getString(i));
                    }
                    out.add(row);
                }
            }
            if (format.equals("json")) {
                out().println(EngineJson.write(out));
            }
        }

        private Member byRole(ClusterState c, String wanted) {
            return switch (wanted) {
                case "leader", "primary", "master" -> leader(c);
                case "replica", "any" -> c.members().stream()
                        .filter(m -> wanted.equals("any") || !c.isLeader(m.name()))
                        .filter(m -> "running".equals(m.data().text("state").orElse("")))
                        .findFirst().orElseThrow(() -> new PghaException("CTL_NO_MEMBER", "no running "
                                + (wanted.equals("any") ? "member" : "replica") + " in the cluster"));
                default -> throw new PghaException("CTL_QUERY", "-r/--role must be leader, primary, replica or any, "
                        + "not '" + wanted + "'");
            };
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> superuser() {
            Optional<Path> config = Optional.ofNullable(parent.configFile)
                    .or(() -> Optional.ofNullable(System.getenv("PATRONICTL_CONFIG_FILE")).map(Path::of));
            if (config.isEmpty()) {
                return Map.of();
            }
            Object pg = io.pgha.engine.config.ConfigLoader.readDocument(config.get()).get("postgresql");
            Object auth = pg instanceof Map<?, ?> m ? m.get("authentication") : null;
            Object su = auth instanceof Map<?, ?> m ? m.get("superuser") : null;
            return su instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }
    }

    @Command(name = "version", mixinStandardHelpOptions = true, description = "Print the versions of pghactl and members.")
    static final class VersionCommand extends Sub {
        @Parameters(arity = "0..1", paramLabel = "<cluster>")
        String cluster;

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() {
            out().println(new VersionProvider().getVersion()[0]);
            if (cluster == null && parent.configFile == null && parent.dcsUrl == null) {
                return 0;
            }
            try (CtlSession s = parent.session(Optional.ofNullable(cluster))) {
                for (Member m : s.read().members()) {
                    try {
                        Map<String, Object> doc = (Map<String, Object>) EngineJson.parse(s.call(m, "GET", "patroni",
                                Optional.empty()).body());
                        Object patroni = doc.get("patroni") instanceof Map<?, ?> p ? p.get("version") : "?";
                        out().println(m.name() + ": Patroni " + patroni + " PostgreSQL " + doc.get("server_version"));
                    } catch (RuntimeException e) {
                        out().println(m.name() + ": not answering");
                    }
                }
            }
            return 0;
        }
    }
}
