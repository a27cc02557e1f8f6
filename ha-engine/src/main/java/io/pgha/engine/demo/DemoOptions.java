package io.pgha.engine.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@code pgha demo} was asked for, checked as a whole.
 *
 * @param members how many members (1 to 9), named {@code pg1} to {@code pgN}
 * @param baseDir where every member's files live (absolute, normalised)
 * @param restPortBase REST API port of {@code pg1}; member {@code i} uses {@code restPortBase + i - 1}
 * @param pgPortBase the first PostgreSQL port tried; ports in use are skipped
 * @param scope the cluster name
 * @param dcs the DCS
 * @param etcdHosts {@code host:port} of the etcd servers, with {@link DemoDcs#ETCD} only
 * @param clean delete the base directory when the demo stops
 * @param startTimeout how long to wait for the leader and every replica to be streaming
 * @param pluginsDir the plugins directory the members load plugins from, if known
 */
public record DemoOptions(int members, Path baseDir, int restPortBase, int pgPortBase, String scope, DemoDcs dcs,
        List<String> etcdHosts, boolean clean, Duration startTimeout, Optional<Path> pluginsDir) {

    public static final int MAX_MEMBERS = 9;
    public static final Path DEFAULT_BASE_DIR = Path.of("/tmp/pgha-demo");
    public static final int DEFAULT_REST_PORT = 8008;
    public static final int DEFAULT_PG_PORT = 5432;
    public static final String DEFAULT_SCOPE = "demo";
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(180);

    // a scope becomes a DCS key segment and part of file names: keep it to characters that are safe in both
    private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):(\\d{1,5})");

    public DemoOptions {
        Objects.requireNonNull(baseDir, "baseDir is null");
        Objects.requireNonNull(scope, "scope is null");
        Objects.requireNonNull(dcs, "dcs is null");
        Objects.requireNonNull(startTimeout, "startTimeout is null");
        Objects.requireNonNull(pluginsDir, "pluginsDir is null");
        baseDir = baseDir.toAbsolutePath().normalize();
        etcdHosts = List.copyOf(etcdHosts);
    }

    /** Member {@code i}'s name (1-based). */
    public static String memberName(int i) {
        return "pg" + i;
    }

    /** Every member's name, in order. */
    public List<String> memberNames() {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= members; i++) {
            out.add(memberName(i));
        }
        return out;
    }

    /** Every problem with these options, each naming its option; empty when they are usable. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (members < 1 || members > MAX_MEMBERS) {
            out.add("--members: got " + members + ", expected 1 to " + MAX_MEMBERS);
        }
        int n = Math.max(1, Math.min(members, MAX_MEMBERS));
        if (restPortBase < 1 || restPortBase + n - 1 > 65535) {
            out.add("--rest-port: got " + restPortBase + ", expected 1 to " + (65536 - n) + " (" + n
                    + " consecutive ports are used)");
        }
        if (pgPortBase < 1 || pgPortBase > 65535) {
            out.add("--pg-port: got " + pgPortBase + ", expected 1 to 65535");
        }
        if (!SCOPE.matcher(scope).matches()) {
            out.add("--scope: got '" + scope + "', expected letters, digits, '.', '_' or '-' (at most 63)");
        }
        if (baseDir.getParent() == null) {
            out.add("--base-dir: got '" + baseDir + "', expected a directory below the root");
        }
        if (dcs == DemoDcs.ETCD) {
            if (etcdHosts.isEmpty()) {
                out.add("--etcd-hosts: required with --dcs etcd (for example --etcd-hosts 127.0.0.1:2379)");
            }
            for (String h : etcdHosts) {
                var m = HOST_PORT.matcher(h);
                if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
                    out.add("--etcd-hosts: got '" + h + "', expected host:port");
                }
            }
        } else if (!etcdHosts.isEmpty()) {
            out.add("--etcd-hosts: only used with --dcs etcd (the default DCS is ZooKeeper embedded in the members)");
        }
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            out.add("--start-timeout: must be more than 0 seconds");
        }
        return out;
    }
}
