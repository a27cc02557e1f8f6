package io.pgha.distribution.harness;

import io.pgha.spi.json.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * One member of a {@link TestCluster}: its configuration file, directories and ports, and the agent process
 * ({@code bin/pgha agent <conf>}) with everything a scenario does to it — start, SIGTERM, SIGKILL, SIGSTOP/SIGCONT,
 * its postmaster's pid, its REST API and SQL over JDBC.
 *
 * <p>The agent's output goes to {@code <dir>/agent.log}, appended across restarts (each start writes a marker line
 * first); {@link #logSize()} and {@link #logSince(long)} let a scenario look only at what one restart logged.
 */
public final class ClusterMember {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    /** REST reads during a failover hit frozen or dying agents: answer quickly so a poll loop moves on. */
    private static final Duration REST_TIMEOUT = Duration.ofMillis(1500);

    private final String name;
    private final Path dir;
    private final Path configFile;
    private final Path dataDir;
    private final Path agentLog;
    private final int restPort;
    private final int pgPort;
    private final int agentCheckPort;
    private final String superuser;
    private final String superuserPassword;
    private final Path pghaHome;

    private Process agent;
    private boolean frozen;

    ClusterMember(String name, Path dir, Path configFile, Path dataDir, int restPort, int pgPort, int agentCheckPort,
            String superuser,
            String superuserPassword, Path pghaHome) {
        this.name = name;
        this.dir = dir;
        this.configFile = configFile;
        this.dataDir = dataDir;
        this.agentLog = dir.resolve("agent.log");
        this.restPort = restPort;
        this.pgPort = pgPort;
        this.agentCheckPort = agentCheckPort;
        this.superuser = superuser;
        this.superuserPassword = superuserPassword;
        this.pghaHome = pghaHome;
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public Path configFile() {
        return configFile;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path agentLog() {
        return agentLog;
    }

    /** Where the agent keeps its state by default (beside the data directory), including postgresql.log. */
    public Path stateDir() {
        return dir.resolve("pgha-state");
    }

    public Path postgresLog() {
        return stateDir().resolve("postgresql.log");
    }

    public int restPort() {
        return restPort;
    }

    public int pgPort() {
        return pgPort;
    }

    /** The TCP port answering HAProxy's agent-check ({@code restapi.agent_check_listen}). */
    public int agentCheckPort() {
        return agentCheckPort;
    }

    /** The distribution this member's agent runs from ({@code bin/pgha}). */
    public Path pghaHome() {
        return pghaHome;
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    // ---------------------------------------------------------------- the agent process

    /** Starts the agent ({@code bin/pgha agent <conf>}); fails if it already runs. */
    public synchronized void start() {
        if (agentAlive()) {
            throw new IllegalStateException(name + "'s agent already runs as pid " + agent.pid());
        }
        Path launcher = pghaHome.resolve("bin/pgha");
        try {
            Files.writeString(agentLog, "==== it: starting " + launcher + " agent " + configFile + " at " + Instant.now()
                    + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            agent = new ProcessBuilder(launcher.toString(), "agent", configFile.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(agentLog.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            frozen = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + launcher + " for " + name, e);
        }
    }

    /** Debian's Patroni 3.0.2 agent, for mixed clusters and migrations. */
    public static final Path PATRONI = Path.of("/usr/bin/patroni");

    /**
     * Starts the real Patroni agent ({@code /usr/bin/patroni <conf>}) in place of pgha, on the same configuration file,
     * name, ports and data directory. Patroni runs PostgreSQL itself, so it runs as the {@code postgres} OS user
     * (setpriv execs it: the pid is Patroni's own); its output goes to the same agent log. {@link #sigterm()},
     * {@link #killAgent()} and {@link #stopAgent(Duration)} then act on Patroni.
     */
    public synchronized void startPatroni() {
        if (agentAlive()) {
            throw new IllegalStateException(name + "'s agent already runs as pid " + agent.pid());
        }
        if (!Files.isExecutable(PATRONI)) {
            throw new IllegalStateException(PATRONI + " is missing: apt-get install patroni");
        }
        try {
            preparePatroni();
            Files.writeString(agentLog, "==== it: starting " + PATRONI + " " + configFile + " as postgres at "
                    + Instant.now() + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                    "--", PATRONI.toString(), configFile.toString())
                    .directory(patroniDir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(agentLog.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("HOME", patroniDir().toString());
            agent = pb.start();
            frozen = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + PATRONI + " for " + name, e);
        }
    }

    /** A directory of the postgres user's for Patroni's pgpass file and working directory. */
    public Path patroniDir() {
        return dir.resolve("patroni-run");
    }

    /**
     * What Patroni needs and pgha does not (pgha runs as root and finds these itself): {@code bin_dir}, a pgpass
     * path the postgres user may write, and a data directory (empty for a new member) owned by postgres. The
     * configuration lines are added once and read by pgha too, so both agents keep using the same file.
     */
    private void preparePatroni() throws IOException {
        java.nio.file.attribute.UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        java.nio.file.attribute.UserPrincipal postgres = users.lookupPrincipalByName("postgres");
        Files.createDirectories(patroniDir());
        Files.setOwner(patroniDir(), postgres);
        if (!Files.exists(dataDir)) {
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.setOwner(dataDir, postgres);
        }
        String conf = Files.readString(configFile, StandardCharsets.UTF_8);
        if (!conf.contains("\n  bin_dir:")) {
            // the generated file ends inside its postgresql section
            Files.writeString(configFile, conf + "  bin_dir: /usr/lib/postgresql/15/bin\n  pgpass: "
                    + patroniDir().resolve("pgpass") + "\n", StandardCharsets.UTF_8);
        }
    }

    /** Whether the agent process runs (a frozen one does; an exited one not yet reaped does not). */
    public synchronized boolean agentAlive() {
        return agent != null && agent.isAlive() && Procs.alive(agent.pid());
    }

    public synchronized long agentPid() {
        if (agent == null) {
            throw new IllegalStateException(name + "'s agent was never started");
        }
        return agent.pid();
    }

    public synchronized boolean isFrozen() {
        return frozen && agentAlive();
    }

    /** SIGTERM: the agent shuts down gracefully (PostgreSQL stopped cleanly, a leader releases its lock). */
    public synchronized void sigterm() {
        if (agentAlive()) {
            if (frozen) {
                sigcont();
            }
            Procs.signal(agent.pid(), Procs.Sig.TERM);
        }
    }

    /** The fencing supervisor's process id, when one runs for this member. */
    public Optional<Long> fencerPid() {
        try {
            long pid = Long.parseLong(java.nio.file.Files.readString(stateDir().resolve("fencer/fencer.pid")).trim());
            return Procs.alive(pid) ? Optional.of(pid) : Optional.empty();
        } catch (java.io.IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** SIGKILL of the fencing supervisor: with the agent gone too, nothing fences this member's PostgreSQL. */
    public void killFencer() {
        fencerPid().ifPresent(pid -> {
            Procs.signal(pid, Procs.Sig.KILL);
            Procs.awaitDeath(pid, Duration.ofSeconds(10));
        });
    }

    /** SIGHUP: the agent re-reads its configuration file and reloads PostgreSQL; it must not stop. */
    public synchronized void sighup() {
        Procs.signal(agentPid(), Procs.Sig.HUP);
    }

    /** SIGKILL of the agent alone: its postmaster, a separate process, keeps running. */
    public synchronized void killAgent() {
        if (agent != null) {
            Procs.signal(agent.pid(), Procs.Sig.KILL);
            frozen = false;
        }
    }

    /** SIGSTOP: the whole agent JVM freezes (its threads, its lease guard, its REST API); PostgreSQL runs on. */
    public synchronized void sigstop() {
        Procs.signal(agentPid(), Procs.Sig.STOP);
        frozen = true;
    }

    /** SIGCONT after {@link #sigstop()}. */
    public synchronized void sigcont() {
        Procs.signal(agentPid(), Procs.Sig.CONT);
        frozen = false;
    }

    /** Waits for the agent to exit; whether it did within {@code timeout}. */
    public boolean awaitAgentExit(Duration timeout) {
        Process p;
        synchronized (this) {
            p = agent;
        }
        return p == null || Procs.awaitDeath(p.pid(), timeout);
    }

    /**
     * Stops the agent: SIGTERM (after SIGCONT if frozen), SIGKILL if it has not exited after {@code grace}.
     *
     * @return whether it exited on SIGTERM
     */
    public boolean stopAgent(Duration grace) {
        if (!agentAlive()) {
            return true;
        }
        sigterm();
        if (awaitAgentExit(grace)) {
            return true;
        }
        killAgent();
        awaitAgentExit(Duration.ofSeconds(10));
        return false;
    }

    // ---------------------------------------------------------------- PostgreSQL

    /**
     * The pid of the postmaster running on this member's data directory: the first line of {@code postmaster.pid},
     * only if that process is alive and its command line names this data directory (a stale file's pid may have
     * been reused by an unrelated process).
     */
    public Optional<Long> postmasterPid() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).trim());
            if (Procs.alive(pid) && Procs.cmdline(pid).contains(dataDir.toString())) {
                return Optional.of(pid);
            }
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** JDBC URL with short timeouts: a dead or fenced server must answer "no" quickly. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres?connectTimeout=1&socketTimeout=2&loginTimeout=2"
                + "&tcpKeepAlive=true&ApplicationName=pgha-it";
    }

    /** A new superuser connection (autocommit). */
    public Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", superuser);
        p.setProperty("password", superuserPassword);
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /** Runs one statement in its own connection; throws on any failure. */
    public void execute(String sql, Object... params) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            s.execute();
        }
    }

    /** Whether one statement succeeds now (any failure is "no"). */
    public boolean tryExecute(String sql, Object... params) {
        try {
            execute(sql, params);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** The first column of the first row of a query, as text; empty on any failure or no row. */
    public Optional<String> queryValue(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /** Whether this server answers SQL at all. */
    public boolean answersSql() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- REST API

    /** {@code GET /patroni}; empty when the agent does not answer. */
    public Optional<Map<String, Object>> patroni() {
        return getJson("/patroni");
    }

    /** {@code GET /cluster} as this member sees it; empty when the agent does not answer. */
    public Optional<Map<String, Object>> cluster() {
        return getJson("/cluster");
    }

    /** The status code of a health check ({@code OPTIONS <path>}, as HAProxy sends it); -1 when unreachable. */
    public int healthCheck(String path) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(REST_TIMEOUT)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build();
        try {
            return HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** An HTTP answer. */
    public record Answer(int status, String body) {
    }

    /** {@code POST <path>} with a JSON body; waits up to {@code timeout} for the answer. */
    public Answer post(String path, Map<String, ?> body, Duration timeout) {
        return send("POST", path, body, timeout);
    }

    /** {@code GET <path>}: status and body, whatever the status. */
    public Answer get(String path) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(REST_TIMEOUT).GET().build();
        try {
            HttpResponse<String> a = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            return new Answer(a.statusCode(), a.body());
        } catch (IOException e) {
            return new Answer(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {@code <method> <path>} with a JSON body; waits up to {@code timeout} for the answer. */
    public Answer send(String method, String path, Map<String, ?> body, Duration timeout) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body))).build();
        try {
            HttpResponse<String> a = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            return new Answer(a.statusCode(), a.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + restUrl() + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Optional<Map<String, Object>> getJson(String path) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(REST_TIMEOUT).GET().build();
        try {
            HttpResponse<String> a = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            if (a.statusCode() / 100 != 2 && !(path.equals("/patroni") && a.statusCode() == 503)) {
                return Optional.empty();
            }
            return Optional.of(Json.parseObject(a.body()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** {@code role} from {@code /patroni} ({@code primary}, {@code replica}, ...); empty when unreachable. */
    public Optional<String> role() {
        return patroni().map(p -> String.valueOf(p.get("role")));
    }

    /** {@code timeline} from {@code /patroni}; 0 when unknown. */
    public long timeline() {
        return patroni().map(p -> p.get("timeline")).filter(Number.class::isInstance).map(n -> ((Number) n).longValue())
                .orElse(0L);
    }

    // ---------------------------------------------------------------- logs

    /** The agent log's current length: a mark for {@link #logSince(long)}. */
    public long logSize() {
        try {
            return Files.exists(agentLog) ? Files.size(agentLog) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** What the agent logged after {@code mark}. */
    public String logSince(long mark) {
        try (RandomAccessFile f = new RandomAccessFile(agentLog.toFile(), "r")) {
            long len = f.length();
            if (mark >= len) {
                return "";
            }
            f.seek(mark);
            byte[] b = new byte[(int) Math.min(len - mark, 64L * 1024 * 1024)];
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The whole agent log. */
    public String log() {
        return logSince(0);
    }

    /** The last lines of the agent log. */
    public String agentLogTail(int lines) {
        return tail(agentLog, lines);
    }

    /** The last lines of PostgreSQL's own log. */
    public String postgresLogTail(int lines) {
        return tail(postgresLog(), lines);
    }

    static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no " + file + ")";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** One line: name, ports, processes. */
    public String describe() {
        String agentState;
        synchronized (this) {
            agentState = agent == null ? "never started"
                    : agentAlive() ? "pid " + agent.pid() + (frozen ? " (SIGSTOPped)" : "") : "exited";
        }
        return name + ": REST " + restPort + ", PostgreSQL " + pgPort + ", agent " + agentState + ", postmaster "
                + postmasterPid().map(String::valueOf).orElse("not running") + ", data " + dataDir;
    }

    @Override
    public String toString() {
        return name;
    }
}
