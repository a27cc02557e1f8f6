package io.pgha.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgha.distribution.harness.ClusterMember;
import io.pgha.distribution.harness.ConsulFixture;
import io.pgha.distribution.harness.EtcdFixture;
import io.pgha.distribution.harness.Procs;
import io.pgha.distribution.harness.TestCluster;
import io.pgha.distribution.harness.VipManager;
import io.pgha.distribution.harness.VipManager.Link;
import io.pgha.distribution.harness.Waits;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What Debian's vip-manager 1.0.2 (the {@code vip-manager} package of bookworm) can do for pgha, on the real program.
 * The short answer is: nothing yet, and these tests prove each reason, so that {@code conf/vip-manager.yml} stays true.
 * <ul>
 * <li>Debian builds it without Consul support (changelog 1.0.2-3: "Disable consul support, it's not in bookworm"), so
 * it cannot read pgha's Consul backend;</li>
 * <li>on etcd it speaks only the v2 API, whose key space is separate from the v3 one pgha (like Patroni's
 * {@code etcd3}) writes, so it never sees pgha's leader key;</li>
 * <li>it refuses the loopback device, and on SIGTERM (what Debian's systemd unit sends) it exits without removing
 * the VIP; only SIGINT makes it clean up.</li>
 * </ul>
 * The program itself works here: given a v2 key that names its member it configures the VIP, moves it when the key
 * changes, and removes it when the key goes. That part is tested too, so that the day a vip-manager that reads
 * pgha's keys is installable (upstream's 2.x reads etcd v3 and Consul), only the key source has to change.
 *
 * <p>The VIP lives on {@code ifb} devices the test creates (one per vip-manager) with addresses from TEST-NET-1
 * (RFC 5737); they are deleted afterwards with every address on them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VipManagerIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<VipManager> started = new ArrayList<>();
    private final List<Link> links = new ArrayList<>();
    private Path dir;
    private EtcdFixture etcd;
    private TestCluster cluster;
    private Link linkA;
    private Link linkB;
    private String vip;

    @BeforeAll
    void start() throws IOException {
        VipManager.requireBinary();
        dir = Files.createTempDirectory("pgha-vip-it");
        String tag = Link.newTag();
        int k = ThreadLocalRandom.current().nextInt(60);
        linkA = link(Link.uniqueName(tag, 'a'), "192.0.2." + (4 * k + 1));
        linkB = link(Link.uniqueName(tag, 'b'), "192.0.2." + (4 * k + 2));
        vip = "192.0.2." + (4 * k + 3);
        etcd = EtcdFixture.launchWithV2();
        report("devices %s (%s) and %s (%s), VIP %s, %s with the v2 API", linkA, linkA.baseAddress(), linkB,
                linkB.baseAddress(), vip, etcd);
    }

    private Link link(String name, String base) {
        Link l = Link.create(name, base);
        links.add(l);
        return l;
    }

    @AfterAll
    void stop() {
        try {
            started.forEach(VipManager::stop);
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            // deleting the devices removes the VIP too, whatever the vip-managers left behind
            links.forEach(Link::close);
            if (etcd != null) {
                etcd.close();
            }
            if (dir != null) {
                io.pgha.testkit.TempDirectories.deleteTree(dir);
            }
        }
    }

    private static void report(String format, Object... args) {
        System.out.println("it: [vip-manager] " + String.format(format, args));
    }

    private VipManager vipManager(String member, Link link, String dcsType, String endpoint, String key) {
        VipManager v = VipManager.start(member, dir.resolve("vip-manager-" + member + "-" + started.size() + ".log"),
                VipManager.flags(link, vip, dcsType, endpoint, key, member));
        started.add(v);
        return v;
    }

    /**
     * The test's devices the VIP is on, as {@code ip -o -4 addr show to <vip>/32} lists them (other devices are left
     * out: a concurrent run on the same host may have picked the same address).
     */
    private List<String> holders() {
        Procs.Result r = Procs.run(Duration.ofSeconds(10), "ip", "-o", "-4", "addr", "show", "to", vip + "/32");
        assertTrue(r.ok(), r.output());
        List<String> ours = links.stream().map(Link::name).toList();
        return r.output().lines().filter(l -> !l.isBlank()).map(l -> l.trim().split("\\s+")[1])
                .filter(ours::contains).toList();
    }

    private void awaitHolders(String what, List<String> expected, VipManager... logs) {
        Waits.awaitTrue(what, Waits.seconds(20), () -> holders().equals(expected), () -> "the VIP is on "
                + holders() + "\n" + java.util.Arrays.stream(logs).map(v -> v + ":\n" + v.output())
                        .reduce("", String::concat));
    }

    // ---------------------------------------------------------------- why it cannot follow pgha

    @Test
    @Order(1)
    @DisplayName("Debian's build refuses --dcs-type consul, even with a Consul API listening")
    void noConsulInDebiansBuild() {
        try (ConsulFixture consul = ConsulFixture.launch()) {
            VipManager v = vipManager("consul", linkA, "consul", consul.url(), "service/it-vip/leader");
            OptionalInt exit = v.awaitExit(Waits.seconds(15));
            assertTrue(exit.isPresent(), "vip-manager kept running with --dcs-type consul:\n" + v.output());
            assertNotEquals(0, exit.getAsInt(), v.output());
            assertTrue(v.output().contains("Failed to initialize leader checker: given endpoint type not supported"),
                    v.output());
            assertEquals(List.of(), holders());
            assertEquals(0, consul.requestCount(), "it never asked the Consul API");
            report("--dcs-type consul: exit %d, '%s'", exit.getAsInt(), lastLine(v));
        }
    }

    @Test
    @Order(2)
    @DisplayName("it refuses the loopback device (no hardware address for gratuitous ARP)")
    void refusesLoopback() {
        VipManager v = VipManager.start("lo", dir.resolve("vip-manager-lo.log"), List.of("--dcs-type", "etcd",
                "--dcs-endpoints", etcd.clientUrl(), "--trigger-key", "/service/it-vip/leader", "--trigger-value",
                "lo", "--interface", "lo", "--ip", vip, "--netmask", "32"));
        started.add(v);
        OptionalInt exit = v.awaitExit(Waits.seconds(15));
        assertTrue(exit.isPresent(), "vip-manager kept running on lo:\n" + v.output());
        assertTrue(v.output().contains("Cannot run vip-manager on the loopback device"), v.output());
        assertEquals(List.of(), holders());
        report("--interface lo: exit %d, 'Cannot run vip-manager on the loopback device'", exit.getAsInt());
    }

    @Test
    @Order(3)
    @DisplayName("pgha's leader key is in etcd's v3 key space; vip-manager 1.0.2 reads v2, finds nothing, holds no VIP")
    void pghaLeaderKeyIsInvisibleToIt() throws Exception {
        cluster = TestCluster.create(etcd, "it-vip", 1);
        cluster.startAll();
        ClusterMember leader = cluster.awaitHealthy(Waits.seconds(120));
        String key = cluster.keyPrefix() + "leader";
        assertEquals(leader.name(), etcd.readTree(key).get(key), "pgha's leader key, read through etcd's v3 API");
        HttpResponse<String> v2 = v2("GET", key, null);
        assertEquals(404, v2.statusCode(), v2.body());
        assertTrue(v2.body().contains("\"errorCode\":100"), v2.body());

        VipManager v = vipManager(leader.name(), linkA, "etcd", etcd.clientUrl(), key);
        Waits.awaitTrue("vip-manager looked for the key three times", Waits.seconds(20),
                () -> v.count("Key not found") >= 3, v::output);
        assertTrue(v.isAlive(), v.output());
        assertEquals(List.of(), holders(), "no VIP although " + leader + " holds the leader lock:\n" + v.output());
        assertEquals(leader.name(), etcd.readTree(key).get(key), "the lock is still held");
        report("%s holds %s (v3); vip-manager for %s: '%s', no VIP", leader, key, leader.name(), lastLine(v));
        v.stop();
        cluster.close();
        cluster = null;
    }

    // ---------------------------------------------------------------- what it does with a key it can read

    @Test
    @Order(4)
    @DisplayName("with a v2 key it puts the VIP on exactly the named member's device and moves it when the key changes")
    void followsAV2Key() throws Exception {
        String key = "/service/it-vip-v2/leader";
        VipManager m1 = vipManager("m1", linkA, "etcd", etcd.clientUrl(), key);
        VipManager m2 = vipManager("m2", linkB, "etcd", etcd.clientUrl(), key);
        v2("PUT", key, "m1");
        awaitHolders("the VIP on m1's device only", List.of(linkA.name()), m1, m2);
        assertTrue(m1.output().contains("Configuring address " + vip + "/32 on " + linkA.name()), m1.output());
        assertFalse(m2.output().contains("Configuring address"), m2.output());

        long start = System.nanoTime();
        v2("PUT", key, "m2");
        awaitHolders("the VIP moved to m2's device", List.of(linkB.name()), m1, m2);
        report("key m1 -> m2: the VIP moved after %s", Waits.fmt(Waits.secondsSince(start)));
        assertTrue(m1.output().contains("Removing address " + vip + "/32 on " + linkA.name()), m1.output());
        assertTrue(m2.output().contains("Configuring address " + vip + "/32 on " + linkB.name()), m2.output());

        v2("DELETE", key, null);
        awaitHolders("no VIP once the key is gone", List.of(), m1, m2);

        v2("PUT", key, "m2");
        awaitHolders("the VIP back on m2's device", List.of(linkB.name()), m1, m2);
        assertTrue(m2.stop(), "vip-manager ended on SIGINT");
        assertTrue(m2.output().contains("Received exit signal"), m2.output());
        assertEquals(List.of(), holders(), "SIGINT removes the VIP:\n" + m2.output());
        m1.stop();
    }

    @Test
    @Order(5)
    @DisplayName("SIGTERM, as systemctl stop sends with Debian's unit, ends it with the VIP still configured")
    void sigtermLeavesTheVip() throws Exception {
        String key = "/service/it-vip-term/leader";
        v2("PUT", key, "m1");
        VipManager m1 = vipManager("m1", linkA, "etcd", etcd.clientUrl(), key);
        awaitHolders("the VIP on m1's device", List.of(linkA.name()), m1);
        m1.terminate();
        assertFalse(m1.isAlive());
        try {
            assertEquals(List.of(linkA.name()), holders(), "vip-manager 1.0.2 leaves the VIP behind on SIGTERM:\n"
                    + m1.output());
            report("SIGTERM: vip-manager exited and left %s on %s", vip, linkA);
        } finally {
            Procs.run(Duration.ofSeconds(10), "ip", "addr", "del", vip + "/32", "dev", linkA.name());
        }
        assertEquals(List.of(), holders());
    }

    private static String lastLine(VipManager v) {
        List<String> lines = v.output().lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    /** One request to etcd's v2 keys API ({@code value} for PUT). */
    private HttpResponse<String> v2(String method, String key, String value) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(etcd.clientUrl() + "/v2/keys" + key))
                .timeout(Duration.ofSeconds(5));
        if (value != null) {
            b.header("Content-Type", "application/x-www-form-urlencoded").method(method,
                    HttpRequest.BodyPublishers.ofString("value=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (!method.equals("GET")) {
            assertTrue(r.statusCode() / 100 == 2, method + " " + key + ": " + r.statusCode() + " " + r.body());
        }
        return r;
    }
}
